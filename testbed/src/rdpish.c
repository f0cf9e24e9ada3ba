/*
 * rdpish.c - an RDP-like client and server for the appendix scenario.
 *
 * No free RDP server runs headless in a network namespace, so this program
 * speaks the first steps of RDP for real and then stands in for the screen
 * session: the client sends an X.224 Connection Request with the usual
 * "Cookie: mstshash=" and an RDP Negotiation Request (MS-RDPBCGR 2.2.1.1),
 * the server answers with a Connection Confirm and an RDP Negotiation
 * Response (2.2.1.2); then the client sends small "input" PDUs and the server
 * answers each with a larger "screen update", all framed as TPKT (RFC 1006)
 * + X.224 Data TPDUs, so that the wire looks like an interactive session:
 *
 *   TPKT:   +------+------+-------------+
 *           | 0x03 | 0x00 | length (BE) |   length includes these 4 bytes
 *           +------+------+-------------+
 *   X.224 data TPDU: 02 F0 80, then payload
 *
 *   rdpish -s [-a ADDR] [-p PORT]            serve (one child per connection)
 *   rdpish -c HOST [-p PORT] [-u USER] [-t SECONDS] [-i INTERVAL-MS]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TPKT_MAX 8192
#define SCREEN_UPDATE_LEN 1400

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t r = read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Read one TPKT into buf; returns its total length or -1. */
static int read_tpkt(int fd, uint8_t *buf, size_t cap)
{
	size_t len;

	if (read_all(fd, buf, 4) < 0 || buf[0] != 3)
		return -1;
	len = ((size_t)buf[2] << 8) | buf[3];
	if (len < 7 || len > cap)
		return -1;
	if (read_all(fd, buf + 4, len - 4) < 0)
		return -1;
	return (int)len;
}

/* Send a TPKT + X.224 data TPDU carrying n bytes of filler payload. */
static int send_data(int fd, size_t n, uint8_t fill)
{
	uint8_t buf[TPKT_MAX];
	size_t len = 7 + n;

	if (len > sizeof buf)
		return -1;
	buf[0] = 3;
	buf[1] = 0;
	buf[2] = (uint8_t)(len >> 8);
	buf[3] = (uint8_t)len;
	buf[4] = 0x02; /* LI */
	buf[5] = 0xf0; /* DT */
	buf[6] = 0x80; /* EOT */
	for (size_t i = 0; i < n; i++)
		buf[7 + i] = (uint8_t)(fill + i * 7);
	return write_all(fd, buf, len);
}

static void serve_one(int fd)
{
	uint8_t buf[TPKT_MAX];
	int n;
	unsigned k = 0;

	while ((n = read_tpkt(fd, buf, sizeof buf)) > 0) {
		if (buf[5] == 0xe0) {
			/* Connection Confirm with RDP_NEG_RSP, standard RDP security. */
			static const uint8_t cc[] = {
				0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00, 0x12,
				0x34, 0x00, 0x02, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,
			};
			if (write_all(fd, cc, sizeof cc) < 0)
				break;
		} else {
			size_t sz = SCREEN_UPDATE_LEN - (k % 5) * 100;

			if (send_data(fd, sz, (uint8_t)k++) < 0)
				break;
		}
	}
	close(fd);
}

static int run_server(const char *addr, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1, ls;

	signal(SIGCHLD, SIG_IGN); /* children are reaped by the kernel */
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		return 2;
	ls = socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 8) < 0) {
		perror("rdpish: listen");
		return 1;
	}
	fprintf(stderr, "rdpish: listening on %s:%d\n", addr, port);
	for (;;) {
		int fd = accept(ls, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			perror("rdpish: accept");
			return 1;
		}
		if (fork() == 0) {
			close(ls);
			serve_one(fd);
			_exit(0);
		}
		close(fd);
	}
}

static int run_client(const char *host, int port, const char *user, int seconds,
		      int interval_ms)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	uint8_t buf[TPKT_MAX];
	char cookie[128];
	size_t clen, len;
	int fd, n, rounds;

	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return 2;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		perror("rdpish: connect");
		return 1;
	}
	/* X.224 Connection Request: cookie, then RDP_NEG_REQ (PROTOCOL_RDP). */
	n = snprintf(cookie, sizeof cookie, "Cookie: mstshash=%s\r\n", user);
	if (n < 0 || (size_t)n >= sizeof cookie)
		return 2;
	clen = (size_t)n;
	len = 4 + 7 + clen + 8;
	buf[0] = 3;
	buf[1] = 0;
	buf[2] = (uint8_t)(len >> 8);
	buf[3] = (uint8_t)len;
	buf[4] = (uint8_t)(len - 5); /* LI: the TPDU header length after itself */
	buf[5] = 0xe0;               /* CR, CDT 0 */
	memset(buf + 6, 0, 5);       /* dst-ref, src-ref, class 0 */
	memcpy(buf + 11, cookie, clen);
	memcpy(buf + 11 + clen, "\x01\x00\x08\x00\x00\x00\x00\x00", 8);
	if (write_all(fd, buf, len) < 0 || read_tpkt(fd, buf, sizeof buf) < 0 ||
	    buf[5] != 0xd0) {
		fprintf(stderr, "rdpish: no connection confirm\n");
		close(fd);
		return 1;
	}
	rounds = interval_ms > 0 ? seconds * 1000 / interval_ms : 1;
	for (int i = 0; i < rounds; i++) {
		struct timespec ts = { interval_ms / 1000, (long)(interval_ms % 1000) * 1000000L };

		if (send_data(fd, 24 + (size_t)(i % 3) * 8, (uint8_t)i) < 0 ||
		    read_tpkt(fd, buf, sizeof buf) < 0) {
			fprintf(stderr, "rdpish: session broken after %d rounds\n", i);
			close(fd);
			return 1;
		}
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "rdpish: session of %d rounds done\n", rounds);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	const char *addr = "0.0.0.0", *host = NULL, *user = "operator";
	int port = 3389, seconds = 10, interval = 200, server = 0, opt;

	while ((opt = getopt(argc, argv, "sa:c:p:u:t:i:h")) != -1) {
		switch (opt) {
		case 's': server = 1; break;
		case 'a': addr = optarg; break;
		case 'c': host = optarg; break;
		case 'p': port = (int)strtol(optarg, NULL, 10); break;
		case 'u': user = optarg; break;
		case 't': seconds = (int)strtol(optarg, NULL, 10); break;
		case 'i': interval = (int)strtol(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: rdpish -s [-a addr] [-p port] | "
					"rdpish -c host [-p port] [-u user] [-t secs] [-i ms]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if (server)
		return run_server(addr, port);
	if (host != NULL)
		return run_client(host, port, user, seconds, interval);
	fprintf(stderr, "rdpish: need -s or -c HOST\n");
	return 2;
}

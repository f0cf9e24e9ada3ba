/*
 * plc.c - the testbed's PLC: a Modbus/TCP server (libmodbus) with a small
 * simulated process behind it.
 *
 * Place in the testbed: it runs inside the "plc" network namespace and is
 * polled by scada.c over TCP/502, exactly as MISSION.md point 3.2 describes.
 * The process is a tank with a pump: the pump coil and the level setpoint are
 * written by the SCADA server; the sensors (level, temperature, pressure,
 * flow) are input registers that drift with time so that successive polls
 * carry different values, as real ones would.
 *
 * Register map (all addresses zero-based, as on the wire):
 *
 *   coils             0  pump running          1  inlet valve open
 *                     2  alarm horn            3..31 spare
 *   discrete inputs   0  level high switch     1  level low switch
 *   holding regs      0  level setpoint (0.1 %)
 *                     1  pump speed (rpm)      2..63 spare/config
 *   input regs        0  level (0.1 %)         1  temperature (0.1 C)
 *                     2  pressure (mbar)       3  flow (l/min)
 *
 * Several clients may be connected at once (the SCADA server, and in the
 * appendix scenario the maintenance server); select() serves them in turn.
 */
#include <errno.h>
#include <getopt.h>
#include <modbus.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#define PLC_MAX_CLIENTS 16

/* The one mutable global: set by the signal handler, read by the loop. */
static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* Advance the simulated process by one step (called about every 100 ms). */
static void process_step(modbus_mapping_t *mb, unsigned tick)
{
	int level = mb->tab_input_registers[0];
	int setpoint = mb->tab_registers[0];

	/* Pump on: level rises towards the setpoint; off: slow drain. */
	if (mb->tab_bits[0])
		level += (level < setpoint) ? 3 : -1;
	else
		level -= 1;
	if (level < 0)
		level = 0;
	if (level > 1000)
		level = 1000;
	mb->tab_input_registers[0] = (uint16_t)level;
	mb->tab_input_registers[1] = (uint16_t)(215 + (tick / 10) % 7);
	mb->tab_input_registers[2] = (uint16_t)(1013 + (tick / 3) % 11);
	mb->tab_input_registers[3] = mb->tab_bits[0] ? (uint16_t)(120 + tick % 5) : 0;
	mb->tab_input_bits[0] = level > 900;
	mb->tab_input_bits[1] = level < 100;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: plc [-a listen-addr] [-p port] [-v]\n"
		   "  Modbus/TCP server with a simulated tank process.\n");
}

int main(int argc, char **argv)
{
	const char *addr = "0.0.0.0";
	int port = 502, verbose = 0, opt, rc = 1;
	int listen_fd = -1, clients[PLC_MAX_CLIENTS];
	modbus_t *ctx = NULL;
	modbus_mapping_t *mb = NULL;
	unsigned tick = 0;
	struct timespec last = { 0, 0 };

	while ((opt = getopt(argc, argv, "a:p:vh")) != -1) {
		switch (opt) {
		case 'a': addr = optarg; break;
		case 'p': port = (int)strtol(optarg, NULL, 10); break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	for (int i = 0; i < PLC_MAX_CLIENTS; i++)
		clients[i] = -1;

	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);

	ctx = modbus_new_tcp(addr, port);
	mb = modbus_mapping_new(32, 16, 64, 16);
	if (ctx == NULL || mb == NULL) {
		fprintf(stderr, "plc: out of memory\n");
		goto out;
	}
	mb->tab_bits[0] = 1;          /* pump running */
	mb->tab_registers[0] = 750;   /* setpoint 75.0 % */
	mb->tab_registers[1] = 1450;  /* pump speed */
	mb->tab_input_registers[0] = 600;

	listen_fd = modbus_tcp_listen(ctx, PLC_MAX_CLIENTS);
	if (listen_fd < 0) {
		fprintf(stderr, "plc: listen %s:%d: %s\n", addr, port,
			modbus_strerror(errno));
		goto out;
	}
	fprintf(stderr, "plc: listening on %s:%d\n", addr, port);

	while (!stop_flag) {
		fd_set rd;
		int maxfd = listen_fd;
		struct timeval tv = { 0, 100000 };
		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - last.tv_sec) * 1000 +
		    (now.tv_nsec - last.tv_nsec) / 1000000 >= 100) {
			process_step(mb, tick++);
			last = now;
		}

		FD_ZERO(&rd);
		FD_SET(listen_fd, &rd);
		for (int i = 0; i < PLC_MAX_CLIENTS; i++) {
			if (clients[i] >= 0) {
				FD_SET(clients[i], &rd);
				if (clients[i] > maxfd)
					maxfd = clients[i];
			}
		}
		if (select(maxfd + 1, &rd, NULL, NULL, &tv) < 0) {
			if (errno == EINTR)
				continue;
			perror("plc: select");
			goto out;
		}
		if (FD_ISSET(listen_fd, &rd)) {
			int fd = modbus_tcp_accept(ctx, &listen_fd);
			int slot = -1;

			for (int i = 0; i < PLC_MAX_CLIENTS && fd >= 0; i++) {
				if (clients[i] < 0) {
					slot = i;
					break;
				}
			}
			if (fd >= 0 && slot < 0) {
				close(fd); /* full: refuse politely */
			} else if (fd >= 0) {
				clients[slot] = fd;
				if (verbose)
					fprintf(stderr, "plc: client %d connected\n", fd);
			}
		}
		for (int i = 0; i < PLC_MAX_CLIENTS; i++) {
			uint8_t query[MODBUS_TCP_MAX_ADU_LENGTH];
			int n;

			if (clients[i] < 0 || !FD_ISSET(clients[i], &rd))
				continue;
			modbus_set_socket(ctx, clients[i]);
			n = modbus_receive(ctx, query);
			if (n > 0) {
				/* Log writes: they are what the appendix scenario is about. */
				int fc = query[modbus_get_header_length(ctx)];
				if (verbose || fc == 5 || fc == 6 || fc == 15 || fc == 16)
					fprintf(stderr, "plc: fd %d function 0x%02x\n",
						clients[i], fc);
				modbus_reply(ctx, query, n, mb);
			} else if (n < 0) {
				if (verbose)
					fprintf(stderr, "plc: client %d gone\n", clients[i]);
				close(clients[i]);
				clients[i] = -1;
			}
		}
	}
	rc = 0;
out:
	for (int i = 0; i < PLC_MAX_CLIENTS; i++)
		if (clients[i] >= 0)
			close(clients[i]);
	if (listen_fd >= 0)
		close(listen_fd);
	modbus_mapping_free(mb);
	if (ctx != NULL)
		modbus_free(ctx);
	return rc;
}

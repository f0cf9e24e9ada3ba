/*
 * scada.c - the testbed's SCADA server polling loop: a Modbus/TCP client
 * (libmodbus) that reads the PLC every second and now and then writes a new
 * level setpoint, the "required communication" 2 of MISSION.md point 3.
 *
 * Each cycle reads, on one long-lived TCP connection:
 *   FC 0x04  input registers 0..3   (level, temperature, pressure, flow)
 *   FC 0x03  holding registers 0..1 (setpoint, pump speed)
 *   FC 0x01  coils 0..7             (pump, valve, horn, spare)
 * and every -w cycles writes
 *   FC 0x06  holding register 0     (setpoint, alternating 70.0 % / 75.0 %)
 *
 * The last values are written to a small state file (-s) that the HMI link's
 * responder reads, so the TLS traffic between HMI and SCADA carries the same
 * process data a real vendor protocol would. The loop reconnects after
 * errors, so restarting the PLC does not kill the SCADA server.
 */
#include <errno.h>
#include <getopt.h>
#include <modbus.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* Write "key=value" lines to path via a temporary file and rename(). */
static void write_state(const char *path, const uint16_t *ir, const uint16_t *hr,
			const uint8_t *co)
{
	char tmp[4096];
	FILE *f;

	if (path == NULL)
		return;
	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		return;
	f = fopen(tmp, "w");
	if (f == NULL)
		return;
	fprintf(f, "time=%ld level=%u.%u temp=%u.%u pressure=%u flow=%u "
		   "setpoint=%u.%u pump=%u valve=%u\n",
		(long)time(NULL), ir[0] / 10, ir[0] % 10, ir[1] / 10, ir[1] % 10,
		ir[2], ir[3], hr[0] / 10, hr[0] % 10, co[0], co[1]);
	if (fclose(f) == 0)
		rename(tmp, path);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: scada -p plc-address [-P port] [-i interval-ms] "
		   "[-w write-every-n-cycles] [-n cycles] [-s state-file] [-v]\n");
}

int main(int argc, char **argv)
{
	const char *plc = NULL, *state = NULL;
	int port = 502, interval_ms = 1000, write_every = 15, verbose = 0, opt;
	long cycles = -1, cycle = 0;
	modbus_t *ctx = NULL;
	int connected = 0;

	while ((opt = getopt(argc, argv, "p:P:i:w:n:s:vh")) != -1) {
		switch (opt) {
		case 'p': plc = optarg; break;
		case 'P': port = (int)strtol(optarg, NULL, 10); break;
		case 'i': interval_ms = (int)strtol(optarg, NULL, 10); break;
		case 'w': write_every = (int)strtol(optarg, NULL, 10); break;
		case 'n': cycles = strtol(optarg, NULL, 10); break;
		case 's': state = optarg; break;
		case 'v': verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (plc == NULL || interval_ms <= 0) {
		usage(stderr);
		return 2;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);

	ctx = modbus_new_tcp(plc, port);
	if (ctx == NULL) {
		fprintf(stderr, "scada: out of memory\n");
		return 1;
	}
	modbus_set_response_timeout(ctx, 2, 0);

	while (!stop_flag && (cycles < 0 || cycle < cycles)) {
		uint16_t ir[4] = { 0 }, hr[2] = { 0 };
		uint8_t co[8] = { 0 };
		struct timespec ts = { interval_ms / 1000,
				       (long)(interval_ms % 1000) * 1000000L };

		if (!connected) {
			if (modbus_connect(ctx) == 0) {
				connected = 1;
				fprintf(stderr, "scada: connected to %s:%d\n", plc, port);
			} else if (verbose) {
				fprintf(stderr, "scada: connect: %s\n",
					modbus_strerror(errno));
			}
		}
		if (connected) {
			int bad = modbus_read_input_registers(ctx, 0, 4, ir) != 4 ||
				  modbus_read_registers(ctx, 0, 2, hr) != 2 ||
				  modbus_read_bits(ctx, 0, 8, co) != 8;

			if (!bad && write_every > 0 && cycle % write_every == write_every - 1) {
				uint16_t sp = (cycle / write_every) % 2 ? 750 : 700;

				bad = modbus_write_register(ctx, 0, sp) != 1;
				if (!bad)
					fprintf(stderr, "scada: setpoint -> %u\n", sp);
			}
			if (bad) {
				fprintf(stderr, "scada: poll failed: %s; reconnecting\n",
					modbus_strerror(errno));
				modbus_close(ctx);
				connected = 0;
			} else {
				write_state(state, ir, hr, co);
				if (verbose)
					fprintf(stderr, "scada: level %u setpoint %u pump %u\n",
						ir[0], hr[0], co[0]);
			}
		}
		cycle++;
		nanosleep(&ts, NULL);
	}
	if (connected)
		modbus_close(ctx);
	modbus_free(ctx);
	return 0;
}

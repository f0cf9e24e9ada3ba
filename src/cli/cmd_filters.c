/*
 * cmd_filters.c - `otwatch filters`: the capture filter presets.
 */
#include <stdio.h>
#include <string.h>

#include "capture/filter.h"
#include "cli/cli.h"

int otw_cmd_filters(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        printf("usage: otwatch filters\n\nLists the presets that --filter takes. --filter also "
               "takes any BPF expression\n(as tcpdump does); several --filter are ANDed, e.g.\n"
               "  otwatch import --filter ot-basic --filter 'not port 53' day1.pcap\n");
        return 0;
    }
    printf("Presets for --filter (decided on the decoded packet, so VLAN-tagged mirror\n"
           "traffic and broadcast need no special BPF):\n\n");
    for (const struct otw_preset *p = otw_filter_presets; p->name; p++)
        printf("  %-12s keeps: %s\n  %-12s drops: %s\n\n", p->name, p->keeps, "", p->drops);
    printf("Anything else given to --filter is a BPF expression, compiled by libpcap.\n"
           "Packets a filter drops are still counted per MAC/IP pair for the asset\n"
           "inventory.\n");
    return 0;
}

/*
 * cmd_fields.c - `otwatch fields`: the field reference, printed from the one
 * catalog (query/fields.c), so the list can never disagree with what the
 * query parser accepts.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/cli.h"
#include "query/fields.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: otwatch fields [--format table|json]\n\n"
            "Lists every session field usable in query expressions and --sort:\n"
            "its Arkime-style name, its Elastic Common Schema name (otwatch.* where ECS\n"
            "has no such field), its type and what it means. Either name works in an\n"
            "expression, e.g.  otwatch sessions 'ip.src == 10.0.0.5 && destination.port == 502'\n\n"
            "options:\n"
            "  --format table   aligned columns for a person (default)\n"
            "  --format json    one JSON object per line: name, ecs, ecs_standard, type,\n"
            "                   either_side, values, meaning\n"
            "  -h, --help       this text\n\n"
            "docs/QUERY.md describes the expression language.\n");
}

static int print_json(const struct otw_field *fs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct otw_field *f = &fs[i];
        json_t *o = json_object(), *vals = json_array();
        char *s;

        if (o == NULL || vals == NULL) {
            json_decref(o);
            json_decref(vals);
            return -1;
        }
        for (const struct otw_tok *t = f->names; t != NULL && t->s != NULL; t++)
            json_array_append_new(vals, json_string(t->s));
        json_object_set_new(o, "name", json_string(f->name));
        json_object_set_new(o, "ecs", json_string(f->ecs));
        json_object_set_new(o, "ecs_standard", json_boolean(!(f->flags & OTW_FF_NOECS)));
        json_object_set_new(o, "type", json_string(otw_ftype_name(f->type)));
        json_object_set_new(o, "either_side", json_boolean(f->flags & OTW_FF_EITHER));
        json_object_set_new(o, "values", vals);
        json_object_set_new(o, "meaning", json_string(f->meaning));
        s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(o);
        if (s == NULL)
            return -1;
        puts(s);
        free(s);
    }
    return 0;
}

/* Columns sized to the catalog; on a terminal, the meaning wraps under itself. */
static void print_table(const struct otw_field *fs, size_t n)
{
    int wn = 4, we = 8, wt = 4, width = 0, indent;
    struct winsize ws;

    for (size_t i = 0; i < n; i++) {
        wn = OTW_MAX(wn, (int)strlen(fs[i].name));
        we = OTW_MAX(we, (int)strlen(fs[i].ecs));
        wt = OTW_MAX(wt, (int)strlen(otw_ftype_name(fs[i].type)));
    }
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        width = ws.ws_col;
    indent = wn + we + wt + 6;
    printf("%-*s  %-*s  %-*s  %s\n", wn, "NAME", we, "ECS NAME", wt, "TYPE", "MEANING");
    for (size_t i = 0; i < n; i++) {
        const char *m = fs[i].meaning;
        int room = width - indent;

        printf("%-*s  %-*s  %-*s  ", wn, fs[i].name, we, fs[i].ecs, wt,
               otw_ftype_name(fs[i].type));
        if (room < 20) {
            printf("%s\n", m);
            continue;
        }
        /* word-wrap into the last column */
        while ((int)strlen(m) > room) {
            int cut = room;

            while (cut > 0 && m[cut] != ' ')
                cut--;
            if (cut == 0)
                cut = room;
            printf("%.*s\n%*s", cut, m, indent, "");
            m += cut;
            while (*m == ' ')
                m++;
        }
        printf("%s\n", m);
    }
    printf("\nNames under otwatch.* are otwatch's own: ECS has no such field.\n"
           "Either-side fields (ip, port, mac, vlan) match when either side matches;\n"
           "their != means neither side. docs/QUERY.md describes the language.\n");
}

int otw_cmd_fields(int argc, char **argv)
{
    const char *format = "table";
    size_t n;
    const struct otw_field *fs = otw_fields_all(&n);

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            format = argv[++i];
        } else if (strncmp(argv[i], "--format=", 9) == 0) {
            format = argv[i] + 9;
        } else {
            fprintf(stderr, "otwatch fields: unexpected argument '%s'\n\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (strcmp(format, "json") == 0) {
        if (print_json(fs, n) != 0) {
            fprintf(stderr, "otwatch fields: out of memory\n");
            return 1;
        }
    } else if (strcmp(format, "table") == 0) {
        print_table(fs, n);
    } else {
        fprintf(stderr, "otwatch fields: unknown format '%s' (table or json)\n", format);
        return 2;
    }
    return fflush(stdout) == 0 ? 0 : 1;
}

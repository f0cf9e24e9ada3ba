/*
 * utf16.h - UTF-16LE to UTF-8 for the Windows protocols (RDP client names,
 * SMB paths, NTLM user names). Stops at the first NUL code unit; an
 * unpaired surrogate becomes U+FFFD. Never writes more than `cap` bytes
 * (NUL included); returns the UTF-8 length.
 */
#ifndef OTW_UTF16_H
#define OTW_UTF16_H

#include <stddef.h>
#include <stdint.h>

static inline size_t otw_utf16le_to_utf8(const uint8_t *p, size_t nbytes, char *out, size_t cap)
{
    size_t o = 0;

    if (cap == 0)
        return 0;
    for (size_t i = 0; i + 1 < nbytes; i += 2) {
        uint32_t cp = (uint32_t)(p[i] | (p[i + 1] << 8));
        if (cp == 0)
            break;
        if (cp >= 0xd800 && cp <= 0xdbff && i + 3 < nbytes) {
            uint32_t lo = (uint32_t)(p[i + 2] | (p[i + 3] << 8));
            if (lo >= 0xdc00 && lo <= 0xdfff) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                i += 2;
            } else {
                cp = 0xfffd;
            }
        } else if (cp >= 0xd800 && cp <= 0xdfff) {
            cp = 0xfffd;
        }
        if (cp < 0x80) {
            if (o + 2 > cap)
                break;
            out[o++] = (char)cp;
        } else if (cp < 0x800) {
            if (o + 3 > cap)
                break;
            out[o++] = (char)(0xc0 | (cp >> 6));
            out[o++] = (char)(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            if (o + 4 > cap)
                break;
            out[o++] = (char)(0xe0 | (cp >> 12));
            out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
            out[o++] = (char)(0x80 | (cp & 0x3f));
        } else {
            if (o + 5 > cap)
                break;
            out[o++] = (char)(0xf0 | (cp >> 18));
            out[o++] = (char)(0x80 | ((cp >> 12) & 0x3f));
            out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
            out[o++] = (char)(0x80 | (cp & 0x3f));
        }
    }
    out[o] = '\0';
    return o;
}

#endif

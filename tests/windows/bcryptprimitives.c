/* A stand-in for Windows' bcryptprimitives.dll, for Wine 8 (Debian 12), which lacks it: Rust's
 * standard library fills its random numbers from bcryptprimitives!ProcessPrng (Windows 10 and
 * later). This one fills them from advapi32!SystemFunction036 (RtlGenRandom), which Wine has.
 * Built with MinGW by scripts/test-windows and copied into the Wine prefix; never shipped. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}

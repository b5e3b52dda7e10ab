/*
 * TEST AID ONLY, never shipped: a stand-in bcryptprimitives.dll for Wine 8,
 * which lacks it. Go 1.22 and later get their randomness from ProcessPrng;
 * this forwards to RtlGenRandom (advapi32's SystemFunction036), the
 * system's CSPRNG. packaging/test-windows.sh puts it into a throwaway
 * WINEPREFIX; no installer includes it.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}

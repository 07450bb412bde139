// SPDX-License-Identifier: GPL-2.0
/*
 * bench-nop - the static binary that bench's fork+exec+wait row runs:
 * it does nothing, so the row measures process creation, execve of a
 * static ELF file (with glibc's start-up) and reaping.
 */
int main(void)
{
	return 0;
}

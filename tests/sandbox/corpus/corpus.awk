# corpus.awk - a gawk program for dune_corpus_test: associative arrays,
# gawk's asorti and sprintf, getline from a command.
{ for (i = 1; i <= NF; i++) { w = tolower($i); gsub(/[^a-z]/, "", w); if (w != "") n[w]++ } }
END {
	k = asorti(n, idx)
	for (i = 1; i <= k && i <= 5; i++) printf("%s=%d\n", idx[i], n[idx[i]])
	"echo via-getline" | getline x
	print x, NR, k
	print "awk stderr" > "/dev/stderr"
	exit 6
}

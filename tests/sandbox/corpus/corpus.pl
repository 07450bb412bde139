# corpus.pl - a Perl program for dune_corpus_test: regular expressions,
# hashes, sorting, sprintf, a file written and read back, a child process.
use strict;
use warnings;

open(my $in, '<', 'words.txt') or die "words.txt: $!";
my %n;
while (my $line = <$in>) {
	$n{lc $1}++ while $line =~ /([A-Za-z]+)/g;
}
close($in);
my @top = (sort { $n{$b} <=> $n{$a} || $a cmp $b } keys %n)[0 .. 4];
printf("%-8s %3d\n", $_, $n{$_}) for @top;
open(my $out, '>', 'perl.out') or die;
print $out join(',', map { uc } @top), "\n";
close($out);
open($in, '<', 'perl.out') or die;
print "read back: ", scalar(<$in>);
my $child = `echo from a child`;
print "child: $child";
print STDERR "perl warns\n";
exit(2);

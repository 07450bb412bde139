// hello.go - a Go program for dune_corpus_test: goroutines, channels,
// maps, sorting, a child process, static (the Go toolchain's default).
package main

import (
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
)

func main() {
	data, err := os.ReadFile("words.txt")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	words := strings.Fields(strings.ToLower(string(data)))
	sums := make([]int, 8)
	var wg sync.WaitGroup
	for i := range sums {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := i; j < len(words); j += len(sums) {
				sums[i] += len(words[j])
			}
		}(i)
	}
	wg.Wait()
	n := map[string]int{}
	for _, w := range words {
		n[strings.Trim(w, ".,;:!?'\"")]++
	}
	keys := make([]string, 0, len(n))
	for k := range n {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(a, b int) bool {
		if n[keys[a]] != n[keys[b]] {
			return n[keys[a]] > n[keys[b]]
		}
		return keys[a] < keys[b]
	})
	fmt.Println(sums, keys[:5])
	out, err := exec.Command("sh", "-c", "echo child of go").Output()
	fmt.Printf("%q %v\n", out, err)
	fmt.Fprintln(os.Stderr, "go to stderr")
	os.Exit(7)
}

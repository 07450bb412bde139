# corpus.py - a Python program for dune_corpus_test: json, re, threads and
# subprocess, with output that does not depend on timing.
import json
import re
import subprocess
import sys
import threading

text = open("words.txt").read()
words = re.findall(r"[a-z]+", text.lower())
counts = {}
for w in words:
    counts[w] = counts.get(w, 0) + 1
top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
doc = json.dumps({"words": len(words), "top": top}, sort_keys=True)
print(doc)
print(json.loads(doc)["top"][0])

# four threads, each summing a slice; joined in order
results = [0] * 4
lock = threading.Lock()
def work(i):
    s = sum(len(w) for w in words[i::4])
    with lock:
        results[i] = s
threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("threads", results, sum(results))

# a child process: its output, its status; and stderr
p = subprocess.run(["sh", "-c", "echo child says hi; echo to-stderr >&2; exit 3"],
                   capture_output=True, text=True)
print("child", repr(p.stdout), repr(p.stderr), p.returncode)
print("done", file=sys.stderr)
sys.exit(5)

-- corpus.lua - a Lua program for dune_corpus_test: tables, string
-- patterns, closures, coroutines, a file, error handling.
local counts = {}
for line in io.lines("words.txt") do
  for w in line:lower():gmatch("%a+") do counts[w] = (counts[w] or 0) + 1 end
end
local keys = {}
for k in pairs(counts) do keys[#keys + 1] = k end
table.sort(keys, function(a, b)
  if counts[a] ~= counts[b] then return counts[a] > counts[b] end
  return a < b
end)
for i = 1, 5 do print(string.format("%-8s %3d", keys[i], counts[keys[i]])) end
local gen = coroutine.wrap(function() for i = 1, 5 do coroutine.yield(i * i) end end)
local s = 0
for _ = 1, 5 do s = s + gen() end
print("coroutine sum", s)
local ok, err = pcall(function() error("boom", 0) end)
print("pcall", ok, err)
local f = assert(io.open("lua.out", "w")); f:write("x\n"); f:close()
io.stderr:write("lua to stderr\n")
os.exit(4)

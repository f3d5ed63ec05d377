-- vote: POST /api/v1/approvals/{id}/votes {"vote":"approve"}, each request on a pool approval of its own, by the
-- voter who holds a seat of it, with that voter's bearer token (bench/Approvals.Bench/VoteLoad.cs, VotePool.cs).
-- Pool approval n has the id 018f000a-0000-7000-8000-<n in 12 hex digits> and is voted on by voter n mod (number of
-- tokens). The tool passes three script arguments after "--": the file with the voters' tokens (voter 0's on the first
-- line), the first pool approval of this run and the number of threads. Thread t of T (from 1) votes on approvals
-- first + t - 1, first + t - 1 + T, ..., so the threads never share one; done() prints where the next run may start
-- (counting every request made, answered or not, and the one wrk makes to check the script).
local threads = {}

-- Runs in the setup environment: numbers the threads, and keeps them for done().
function setup(thread)
   table.insert(threads, thread)
   thread:set("thread_number", #threads)
end

function init(args)
   tokens = {}
   for line in io.lines(args[1]) do
      tokens[#tokens + 1] = line
   end
   first = tonumber(args[2])
   stride = tonumber(args[3])
   made = 0
   wrk.method = "POST"
   wrk.body = '{"vote":"approve"}'
   wrk.headers["Content-Type"] = "application/json"
end

function request()
   local n = first + (thread_number - 1) + stride * made
   made = made + 1
   wrk.headers["Authorization"] = "Bearer " .. tokens[n % #tokens + 1]
   return wrk.format(nil, string.format("/api/v1/approvals/018f000a-0000-7000-8000-%012x/votes", n))
end

-- The first number no thread has used: each thread's next one, at most.
function done(summary, latency, requests)
   local next = 0
   for _, thread in ipairs(threads) do
      local n = thread:get("first") + (thread:get("thread_number") - 1) + thread:get("stride") * thread:get("made")
      next = math.max(next, n)
   end
   io.write(string.format("vote pool next: %d\n", next))
end

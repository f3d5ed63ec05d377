-- Shared by the scenario scripts (loaded with dofile). The tool passes two script arguments after "--":
-- the API key and the number of approvals in the data set. Approval n has the id 018f0000-0000-7000-8000-<n in hex>
-- (see bench/Approvals.Bench/DataSet.cs), so a random existing id needs no list of ids.
local common = {}
local threads = 0

-- Runs in the setup environment: numbers the threads so each draws its own (reproducible) random ids.
function common.setup(thread)
   threads = threads + 1
   thread:set("thread_number", threads)
end

function common.init(args)
   wrk.headers["X-Api-Key"] = args[1]
   common.approvals = tonumber(args[2])
   math.randomseed(4242 + (thread_number or 0))
end

function common.random_id()
   return string.format("018f0000-0000-7000-8000-%012x", math.random(1, common.approvals))
end

-- GET of a random existing approval: the path is the prefix followed by the id.
function common.random_get(path_prefix)
   return function()
      return wrk.format("GET", path_prefix .. common.random_id())
   end
end

-- A request that is the same every time: wrk formats it once per thread after init().
function common.fixed(method, path, body)
   return function(args)
      common.init(args)
      wrk.method, wrk.path, wrk.body = method, path, body
      if body then
         wrk.headers["Content-Type"] = "application/json"
      end
   end
end

-- Far in the future, so every created approval passes the deadline rule whenever the benchmark runs.
common.deadline = "2099-12-31T00:00:00Z"

return common

-- wrk script of the gatehouse benchmark harness: cycles through a file of
-- pre-generated lines, so that successive requests differ (distinct JWTs, or
-- distinct presigned URLs). Each wrk thread takes its own share of the lines
-- (line i goes to thread i % threads), so two threads never send the same
-- line close together. Requests are formatted once, in init, so the script
-- costs wrk almost nothing per request.
--
-- Environment:
--   BENCH_LIST     file with one item a line (required)
--   BENCH_MODE     "bearer": GET BENCH_PATH with "Authorization: Bearer <line>"
--                  "path":   GET <line> (a path with its query)
--   BENCH_PATH     request path in bearer mode (default /bench/path)
--   BENCH_THREADS  number of wrk threads (-t), default 2

local next_id = 0

function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
end

function init(args)
   local file = os.getenv("BENCH_LIST")
   local mode = os.getenv("BENCH_MODE") or "bearer"
   local path = os.getenv("BENCH_PATH") or "/bench/path"
   local threads = tonumber(os.getenv("BENCH_THREADS") or "2")
   if not file then error("BENCH_LIST is not set") end
   requests = {}
   local i = 0
   for line in io.lines(file) do
      if line ~= "" then
         if i % threads == id then
            if mode == "bearer" then
               requests[#requests + 1] = wrk.format("GET", path,
                  { ["Host"] = wrk.headers["Host"], ["Authorization"] = "Bearer " .. line })
            else
               requests[#requests + 1] = wrk.format("GET", line)
            end
         end
         i = i + 1
      end
   end
   if #requests == 0 then error("no lines for thread " .. id .. " in " .. file) end
   n = 0
end

function request()
   n = n % #requests + 1
   return requests[n]
end

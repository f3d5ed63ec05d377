-- inbox-detail: GET /approvals/{id} (the web detail page) of a random approval waiting in the bench readers' inbox,
-- id 018f000b-0000-7000-8000-<n in 12 hex digits> for n in 1..count, with the session cookie of the next reader in
-- turn (bench/Approvals.Bench/InboxPeople.cs). Arguments after "--": the file of cookies, the number of approvals.
function init(args)
   cookies = {}
   for line in io.lines(args[1]) do
      cookies[#cookies + 1] = line
   end
   count = tonumber(args[2])
   made = 0
   wrk.headers["Accept"] = "text/html"
end

function request()
   made = made + 1
   wrk.headers["Cookie"] = cookies[made % #cookies + 1]
   return wrk.format("GET", string.format("/approvals/018f000b-0000-7000-8000-%012x", math.random(1, count)))
end

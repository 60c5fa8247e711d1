-- wrk script for bench/bench_api.py: CREATE / GET / PUT / DELETE of ConfigMaps (~100 bytes of data).
--
--   wrk -t1 -c32 -d10s --timeout 10s -s bench/wrk_crud.lua http://127.0.0.1:PORT -- MODE NS SOURCE MAX THREADS [EXIT]
--
-- MODE    create | get | put | delete
-- NS      the namespace the ConfigMaps live in
-- SOURCE  create: a name prefix (names are PREFIX-<thread>-<n>, unique per request);
--         get/put/delete: a file of existing names, one per line (each wrk thread takes every
--         T-th line, so threads never share a name)
-- MAX     a thread sends at most this many requests and stops when they all succeeded (0: no
--         bound but wrk's -d); a delete thread is bounded by its share of the names, so every
--         object is deleted once
-- THREADS the -t value (get/put/delete: how the names are shared out)
-- EXIT    "exit": with -t1 and MAX, print the counts and exit as soon as the bound is met
--         (no latency figures); used to load objects
--
-- PUT is an unconditional update (no resourceVersion), which the API allows for ConfigMaps; each
-- PUT changes the data, so every one is a real write. At the end one line starting with
-- "BENCHJSON " carries the figures bench_api.py reads (latencies in microseconds; elapsed_us runs
-- from the first request to the last 2xx answer, timed here because wrk itself always reports -d).
-- Past the bound a thread sends "spare" GETs of a missing object (404) until its last answers are
-- in; they are counted apart and are a few dozen at most next to the thousands measured.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now_us()  -- CLOCK_MONOTONIC; wrk's own duration is the whole -d even after stop()
   ffi.C.clock_gettime(1, ts)
   return tonumber(ts.tv_sec) * 1000000 + tonumber(ts.tv_nsec) / 1000
end

local threads = {}
local next_tid = 0

function setup(thread)
   thread:set("tid", next_tid)
   next_tid = next_tid + 1
   table.insert(threads, thread)
end

local mode, ns, src, maxreq, base, prefix
local names = {}
local nnames = 0
local calls = 0
local sent = 0
local responses = 0
ok = 0          -- 2xx answers
bad = 0         -- other answers but 404
notfound = 0    -- 404 answers (the spare requests below answer 404)
spares = 0
t_first = nil   -- microseconds: first real request issued, last 2xx answer received
t_last = nil
local headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }
local pad = string.rep("0123456789", 9)  -- 90 bytes; with the key and a counter ~100 bytes of data

local function body(name, n)
   return '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"' .. name .. '","namespace":"' .. ns
      .. '","labels":{"bench":"kapi"}},"data":{"payload":"' .. pad .. '","n":"' .. n .. '"}}'
end

function init(args)
   mode, ns, src, maxreq = args[1], args[2], args[3], tonumber(args[4] or "0") or 0
   exit_when_done = args[6] == "exit"
   base = "/api/v1/namespaces/" .. ns .. "/configmaps"
   tid = tid or 0  -- set by setup() in this thread's state
   if mode == "create" then
      prefix = src .. "-" .. tid .. "-"
      return
   end
   local total = tonumber(args[5] or "1") or 1
   local line_no = 0
   for line in io.lines(src) do
      if line ~= "" then
         if line_no % total == tid then
            nnames = nnames + 1
            names[nnames] = line
         end
         line_no = line_no + 1
      end
   end
   if nnames == 0 then
      error("wrk_crud.lua: no names for thread " .. tid .. " in " .. src)
   end
   if mode == "delete" and (maxreq <= 0 or maxreq > nnames) then
      maxreq = nnames
   end
end

local function spare()
   spares = spares + 1
   return wrk.format("GET", base .. "/bench-none", headers)
end

function request()
   calls = calls + 1
   if calls == 1 then
      -- wrk calls request() once before the run to check it (thread 0); that one is never sent
      return wrk.format("GET", base .. "/bench-none", headers)
   end
   if maxreq > 0 and sent >= maxreq then
      -- the bound is reached but wrk asks for more until the last answers are in: a cheap 404,
      -- so no object is created or deleted past the bound
      return spare()
   end
   sent = sent + 1
   if sent == 1 then
      t_first = now_us()
   end
   if mode == "create" then
      return wrk.format("POST", base, headers, body(prefix .. sent, sent))
   end
   local name = names[((sent - 1) % nnames) + 1]
   if mode == "get" then
      return wrk.format("GET", base .. "/" .. name, headers)
   elseif mode == "put" then
      return wrk.format("PUT", base .. "/" .. name, headers, body(name, sent))
   elseif mode == "delete" then
      return wrk.format("DELETE", base .. "/" .. name, headers)
   end
   error("wrk_crud.lua: unknown mode " .. tostring(mode))
end

function response(status, hdrs, resp_body)
   responses = responses + 1
   if status >= 200 and status < 300 then
      ok = ok + 1
      t_last = now_us()
   elseif status == 404 then
      notfound = notfound + 1
   else
      bad = bad + 1
   end
   -- stop once every bounded request succeeded (or, after failures, once as many again came back)
   if maxreq > 0 and (ok >= maxreq or responses >= 2 * maxreq) then
      if exit_when_done then
         -- loading objects (-t1 only): counts are all that is wanted, and wrk would otherwise
         -- sleep out the rest of -d
         io.write(string.format('BENCHJSON {"requests":%d,"elapsed_us":%d,"wrk_duration_us":0,"ok":%d,'
            .. '"bad":%d,"notfound":%d,"spares":%d,"p50_us":0,"p90_us":0,"p99_us":0,"max_us":0,'
            .. '"mean_us":0,"connect_err":0,"read_err":0,"write_err":0,"timeout_err":0}\n',
            responses, (t_last or now_us()) - (t_first or now_us()), ok, bad, notfound, spares))
         io.flush()
         os.exit(0)
      end
      wrk.thread:stop()
   end
end

function done(summary, latency, requests)
   local n_ok, n_bad, n_404, n_spare, first, last = 0, 0, 0, 0, nil, nil
   for _, t in ipairs(threads) do
      n_ok = n_ok + (t:get("ok") or 0)
      n_bad = n_bad + (t:get("bad") or 0)
      n_404 = n_404 + (t:get("notfound") or 0)
      n_spare = n_spare + (t:get("spares") or 0)
      local f, l = t:get("t_first"), t:get("t_last")
      if f and (first == nil or f < first) then first = f end
      if l and (last == nil or l > last) then last = l end
   end
   local elapsed = (first and last) and (last - first) or summary.duration
   local e = summary.errors
   io.write(string.format(
      'BENCHJSON {"requests":%d,"elapsed_us":%d,"wrk_duration_us":%d,"ok":%d,"bad":%d,"notfound":%d,'
         .. '"spares":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f,'
         .. '"connect_err":%d,"read_err":%d,"write_err":%d,"timeout_err":%d}\n',
      summary.requests, elapsed, summary.duration, n_ok, n_bad, n_404, n_spare,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
      e.connect, e.read, e.write, e.timeout))
end

-- serve-bench-pace.lua: wrk at a fixed offered rate, for bench/serve-bench.sh (wrk has no rate option).
--   RATE=1000 wrk -t2 -c20 -d30s -s bench/serve-bench-pace.lua -H 'Authorization: Bearer ...' URL
-- Each thread owns RATE/threads requests per second on an absolute schedule (LuaJIT's FFI reads
-- CLOCK_MONOTONIC): delay() gives each next request its slot, so a slow answer does not lower the offered rate
-- (the next ones go out at once until the schedule is caught up). done() prints one line for the script:
--   SERVE_BENCH_WRK requests=N duration_us=D errors=E p50_us=.. p90_us=.. p99_us=.. p999_us=.. max_us=..
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now_ms()
    ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
    return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local threads = {}
local step_ms, next_ms

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    local rate = tonumber(os.getenv("RATE") or "1000")
    local nthreads = tonumber(os.getenv("WRK_THREADS") or "1")
    step_ms = 1000 / (rate / nthreads)
end

function delay()
    local t = now_ms()
    if next_ms == nil or next_ms < t - 1000 then next_ms = t end -- start, or more than a second behind: resync
    next_ms = next_ms + step_ms
    local wait = next_ms - t
    if wait < 0 then return 0 end
    return math.floor(wait + 0.5)
end

function done(summary, latency, requests)
    local e = summary.errors
    local errors = e.connect + e.read + e.write + e.status + e.timeout
    io.write(string.format(
        "SERVE_BENCH_WRK requests=%d duration_us=%d errors=%d non2xx=%d p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d\n",
        summary.requests, summary.duration, errors, e.status, latency:percentile(50), latency:percentile(90),
        latency:percentile(99), latency:percentile(99.9), latency.max))
end

--- wbem.stream: the objects an operation brings one by one (a query's objects, a
-- subscription's events), buffered until a for loop reads them.
--
-- The buffer is a window of op: op.items[op.first .. op.last]. It may be bounded
-- (op.limit): what comes while it is full is released at once and counted where it was
-- lost (op.gaps[i]: lost after item i), and the loop hears of it exactly there, as an
-- error or through on_overflow; nothing is dropped silently. A reader that pumps (not a
-- task) and waits in the loop gets the pump to stop once the buffer is full (core.pause),
-- so that it reads before more are taken off the queue: then nothing is lost at all.
--
-- A worker's query or subscription (op.job) fetches only while it has credit; each
-- object read gives one back.

local core = require "wbem.core"
local loop = require "wbem.loop"

local error, setmetatable = error, setmetatable
local close = core.close

local WBEM_E_QUEUE_OVERFLOW = 0x80041079
local WBEM_E_TIMED_OUT = 0x80043001       -- wbemErrTimedout: what NextEvent gives

local M = {}

--- op gets an empty buffer of at most limit objects (nil: unbounded).
function M.open(op, limit)
  op.items, op.first, op.last, op.limit, op.gaps, op.waiting = {}, 1, 0, limit, false, false
end

--- obj came for op: buffered, or released and counted when the buffer is full.
function M.push(op, obj)
  local last = op.last
  if last < op.first and last > 0 then
    -- empty: the window starts again at 1, so that it stays in the table's array part (a
    -- window that kept moving up would live in its hash part, rebuilt every few objects);
    -- a loss counted after the last object read moves with it
    local gaps = op.gaps
    if gaps and gaps[last] then gaps[0], gaps[last] = gaps[last], nil end
    op.first, op.last = 1, 0
  end
  local n = op.last - op.first + 1
  local limit = op.limit
  if limit and n >= limit then
    close(obj)
    local gaps = op.gaps
    if not gaps then
      gaps = {}
      op.gaps = gaps
    end
    gaps[op.last] = (gaps[op.last] or 0) + 1
    return
  end
  op.last = op.last + 1
  op.items[op.last] = obj
  if op.waiting then
    if op.co then loop.wake(op)                              -- a task: it reads now
    elseif limit and n + 1 >= limit then core.pause() end    -- a reader that pumps
  end
end

local function wait_expired(op)
  op.timed_out = true
  loop.wake(op)
end

local function overflow(op, lost, on_overflow)
  if on_overflow then return loop.call("on_overflow", on_overflow, lost) end
  error(core.error{
    hresult = WBEM_E_QUEUE_OVERFLOW,
    operation = op.what,
    message = ("%d event%s lost here: %d waited unread, the most the buffer holds (option "
               .. "'buffer')"):format(lost, lost == 1 and " was" or "s were", op.limit),
    lost = lost,
    overflow = true,
  }, 0)
end

-- Releases what the loop did not read, and stops the producer.
local function finish(op)
  op.waiting = false
  loop.undeadline(op)
  if not op.done then op.abandon(op, nil) end
  local items = op.items
  for i = op.first, op.last do
    close(items[i])
    items[i] = nil
  end
  op.first = op.last + 1
end

-- op.waiting is true while a reader waits in the loop; false again, and the wait's
-- deadline gone, however the wait ends (the object came, a pump raised, the reader's
-- task was closed).
local Waiting = {
  __close = function(w)
    w.op.waiting = false
    loop.undeadline(w.op)
  end,
}

--- The generic for of op's stream: next, nil, nil, closing value. fname: the public
-- function, for the errors of its misuse. wait_ms bounds each wait for the next object
-- (its end raises a timeout error; nil: no bound); on_overflow (optional) hears of lost
-- objects instead of the loop raising. Leaving the loop early (break, error, <close>),
-- or dropping the iterator, stops the producer. One reader at a time: a second one that
-- comes while the first waits is an error (each would take the other's objects).
function M.iterate(op, fname, wait_ms, on_overflow)
  local job = op.job
  local closer = setmetatable({}, { __close = function() finish(op) end,
                                    __gc = function() finish(op) end })
  local waiting = setmetatable({ op = op }, Waiting)
  local function next_item()
    -- the iterator holds its closing value: whoever keeps the one keeps the other
    if not closer then return nil end
    if op.waiting then
      error(fname .. ": the loop is being read already: another reader waits in it for the "
            .. "next object (one reader at a time)", 2)
    end
    while true do
      local gaps = op.gaps
      local lost = gaps and gaps[op.first - 1]
      if lost then
        gaps[op.first - 1] = nil
        overflow(op, lost, on_overflow)
      end
      if op.first <= op.last then
        local item = op.items[op.first]
        op.items[op.first] = nil
        op.first = op.first + 1
        if job then job:credit(1) end
        return item
      end
      if op.done then
        if op.err then error(op.err, 0) end
        return nil
      end
      do
        local _ <close> = waiting
        op.waiting = true
        if wait_ms then loop.deadline(op, wait_ms, wait_expired) end
        loop.park(op)
      end
      if wait_ms then
        if op.timed_out and op.first > op.last and not op.done then
          op.timed_out = false
          error(core.error{
            hresult = WBEM_E_TIMED_OUT,
            operation = op.what,
            message = ("no event came within %g ms (option 'timeout'); the subscription "
                       .. "is cancelled"):format(wait_ms),
            timeout = true,
          }, 0)
        end
        op.timed_out = false
      end
    end
  end
  return next_item, nil, nil, closer
end

return M

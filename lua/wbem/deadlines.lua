--- wbem.deadlines: the pending deadlines, nearest first.
--
-- An indexed binary min-heap: each entry is a table with a `deadline` field (a
-- wbem.clock() value) and gets a `slot` field (its place in the heap) while it is in.
-- The nearest deadline is read in O(1); adding and removing cost O(log n). A pump step
-- with nothing due therefore costs the same whether 0 or 100,000 timed calls wait, and
-- a removed entry leaves nothing behind.
--
--   local heap = deadlines.new()
--   heap:add(entry)          -- entry.deadline set by the caller
--   heap:remove(entry)       -- no-op when it is not in
--   heap:peek() -> entry | nil
--   heap:due(now) -> list    -- takes out every entry whose deadline <= now, nearest first

local floor = math.floor

local Heap = {}
Heap.__index = Heap

local M = {}

function M.new()
  return setmetatable({ n = 0 }, Heap)
end

local function place(h, i, e)
  h[i] = e
  e.slot = i
end

local function up(h, i)
  local e = h[i]
  while i > 1 do
    local p = floor(i / 2)
    local pe = h[p]
    if pe.deadline <= e.deadline then break end
    place(h, i, pe)
    i = p
  end
  place(h, i, e)
end

local function down(h, i)
  local n, e = h.n, h[i]
  while true do
    local c = 2 * i
    if c > n then break end
    if c < n and h[c + 1].deadline < h[c].deadline then c = c + 1 end
    if e.deadline <= h[c].deadline then break end
    place(h, i, h[c])
    i = c
  end
  place(h, i, e)
end

function Heap:add(e)
  assert(e.slot == nil, "wbem.deadlines: entry is in a heap already")
  local n = self.n + 1
  self.n = n
  place(self, n, e)
  up(self, n)
end

function Heap:remove(e)
  local i = e.slot
  if i == nil or self[i] ~= e then return end
  local n = self.n
  local last = self[n]
  self[n] = nil
  self.n = n - 1
  e.slot = nil
  if i < n then
    place(self, i, last)
    up(self, i)
    down(self, last.slot)
  end
end

function Heap:peek()
  return self[1]
end

-- Every entry due at now, taken out first and returned nearest first: what the caller
-- does with them (resume tasks that add or remove deadlines) cannot disturb the walk.
function Heap:due(now)
  local list, k = nil, 0
  local top = self[1]
  while top and top.deadline <= now do
    self:remove(top)
    k = k + 1
    list = list or {}
    list[k] = top
    top = self[1]
  end
  return list
end

return M

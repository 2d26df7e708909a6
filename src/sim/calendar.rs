//! The calendar of due sensors: a timing wheel of fixed-width slots (one slot per engine step)
//! with an overflow heap for the far future. A sensor that reports every 15 minutes sits in one
//! slot until its time comes and costs nothing in between.
//!
//! Within a step, due entries come out in (time, sensor) order from a small heap, so entries
//! scheduled into the current step while it runs are still taken in time order.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use bevy_ecs::resource::Resource;

use crate::time::SimTime;

/// Slots in the wheel; with 10 s steps the wheel spans about 7.6 days before the overflow heap.
const WHEEL_SLOTS: usize = 1 << 16;

/// A due entry: (time in µs, what is due). Ties are broken by the payload's order.
pub type Due<T> = (u64, T);

/// Timing wheel of due entries (the engine stores sensor entities; ordering by (time, entity)
/// is deterministic because entities are spawned in scenario order).
#[derive(Resource)]
pub struct Calendar<T: Ord + Copy + Send + Sync + 'static = u32> {
    slot_us: u64,
    slots: Vec<Vec<Due<T>>>,
    /// Absolute index of the slot being drained (step number).
    current: u64,
    /// Entries of the current slot, ordered.
    now: BinaryHeap<Reverse<Due<T>>>,
    overflow: BinaryHeap<Reverse<Due<T>>>,
    len: usize,
}

impl<T: Ord + Copy + Send + Sync + 'static> Calendar<T> {
    /// An empty calendar whose slots are `step` wide.
    pub fn new(step: SimTime) -> Self {
        Calendar {
            slot_us: step.0.max(1),
            slots: vec![Vec::new(); WHEEL_SLOTS],
            current: 0,
            now: BinaryHeap::new(),
            overflow: BinaryHeap::new(),
            len: 0,
        }
    }

    /// Entries waiting.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing is scheduled.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Schedules `id` at `t`. Times before the current step are taken as now.
    pub fn push(&mut self, t: SimTime, id: T) {
        let abs = (t.0 / self.slot_us).max(self.current);
        self.len += 1;
        if abs == self.current {
            self.now.push(Reverse((t.0, id)));
        } else if abs - self.current < WHEEL_SLOTS as u64 {
            self.slots[(abs as usize) & (WHEEL_SLOTS - 1)].push((t.0, id));
        } else {
            self.overflow.push(Reverse((t.0, id)));
        }
    }

    /// Opens step `step` (the slot `[step*w, (step+1)*w)`): moves its entries, and any overflow
    /// entries now within the wheel, into place.
    pub fn open_step(&mut self, step: u64) {
        self.current = step;
        let slot = std::mem::take(&mut self.slots[(step as usize) & (WHEEL_SLOTS - 1)]);
        self.now.extend(slot.into_iter().map(Reverse));
        let horizon = (step + WHEEL_SLOTS as u64).saturating_mul(self.slot_us);
        while let Some(Reverse((t, id))) = self.overflow.peek().copied() {
            if t >= horizon {
                break;
            }
            self.overflow.pop();
            self.len -= 1;
            self.push(SimTime(t), id);
        }
    }

    /// The first step, from the current one on, with something due; None when nothing is
    /// scheduled. Lets the engine jump over idle stretches instead of stepping through them.
    pub fn next_due_step(&self) -> Option<u64> {
        if !self.now.is_empty() {
            return Some(self.current);
        }
        if let Some(k) =
            (1..WHEEL_SLOTS as u64).find(|k| !self.slots[((self.current + k) as usize) & (WHEEL_SLOTS - 1)].is_empty())
        {
            return Some(self.current + k);
        }
        self.overflow.peek().map(|Reverse((t, _))| t / self.slot_us)
    }

    /// The next due entry of the current step that is earlier than `before`.
    pub fn pop_before(&mut self, before: SimTime) -> Option<Due<T>> {
        match self.now.peek() {
            Some(Reverse((t, _))) if *t < before.0 => {
                self.len -= 1;
                self.now.pop().map(|Reverse(d)| d)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_come_out_in_time_order_across_slots_and_overflow() {
        let mut c: Calendar<u32> = Calendar::new(SimTime::from_secs(10));
        let far = SimTime::from_secs(10 * (WHEEL_SLOTS as u64 + 5) + 3);
        c.push(far, 9);
        c.push(SimTime::from_secs(25), 2);
        c.push(SimTime::from_secs(21), 3);
        c.push(SimTime::from_secs(3), 1);
        let mut out = Vec::new();
        let mut step = 0;
        while !c.is_empty() {
            c.open_step(step);
            let end = SimTime::from_secs(10 * (step + 1));
            while let Some((t, id)) = c.pop_before(end) {
                if id == 1 && out.is_empty() {
                    // Rescheduling into the running step keeps time order.
                    c.push(SimTime::from_secs(4), 4);
                }
                out.push((t / 1_000_000, id));
            }
            step += 1;
        }
        assert_eq!(out, vec![(3, 1), (4, 4), (21, 3), (25, 2), (far.0 / 1_000_000, 9)]);
    }

    #[test]
    fn idle_stretches_can_be_skipped() {
        let mut c: Calendar<u32> = Calendar::new(SimTime::from_secs(10));
        c.open_step(0);
        assert_eq!(c.next_due_step(), None);
        c.push(SimTime::from_secs(3_605), 1);
        // 3,605 s falls in step 360; nothing is due before it.
        assert_eq!(c.next_due_step(), Some(360));
        c.open_step(360);
        assert_eq!(c.pop_before(SimTime::from_secs(3_610)), Some((3_605_000_000, 1)));
        // Past the wheel's span the overflow heap answers.
        c.push(SimTime::from_secs(10 * (WHEEL_SLOTS as u64 + 1_000)), 2);
        assert_eq!(c.next_due_step(), Some(WHEEL_SLOTS as u64 + 1_000));
    }
}

//! Statistical disclosure control for tables of counts linked by sums (« secret statistique »).
//!
//! Primary suppression hides every count of 1 to k − 1 people. That alone is not enough: a published total
//! minus the published cells of its line gives back the one hidden cell. Complementary suppression hides more
//! counts until no hidden count can be rebuilt from the published ones — not by one subtraction, and not by any
//! combination of the table's sums (adding two row totals and subtracting a column total also counts).
//!
//! The tables are described generically: entries (cells and totals alike) and the sums that bind them, each as
//! `Σ coefficient × entry = 0`. A hidden entry can be rebuilt exactly when its unit vector lies in the span of
//! the sums restricted to the hidden entries (the published ones being constants); that is decided by Gaussian
//! elimination over the prime field 2^61 − 1 (the sums have coefficients ±1 and their minors stay far below the
//! prime, so the field gives the same answer as the rationals). A sum whose hidden entries all count the same
//! way and whose published part leaves 0 forces each of them to 0 (counts are never negative): those are
//! treated as rebuilt too.

/// One count of a table: a cell, or a total (margin) that users expect to see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// How many people.
    pub value: u32,
    /// A total: hidden only as a last resort, as readers look for it first.
    pub margin: bool,
}

/// Counts and the sums that bind them: each sum is a list of `(entry, coefficient)` adding up to 0.
#[derive(Debug, Clone, Default)]
pub struct Linked {
    /// The counts.
    pub entries: Vec<Entry>,
    /// The sums (e.g. the cells of a row, with coefficient 1, and the row total, with −1).
    pub sums: Vec<Vec<(usize, i64)>>,
}

const P: u64 = (1 << 61) - 1;

fn reduce(c: i64) -> u64 {
    c.rem_euclid(P as i64) as u64
}

fn mul(a: u64, b: u64) -> u64 {
    ((u128::from(a) * u128::from(b)) % u128::from(P)) as u64
}

fn sub(a: u64, b: u64) -> u64 {
    if a >= b { a - b } else { a + P - b }
}

fn inverse(a: u64) -> u64 {
    // Fermat: a^(p−2).
    let (mut base, mut exp, mut out) = (a, P - 2, 1u64);
    while exp > 0 {
        if exp & 1 == 1 {
            out = mul(out, base);
        }
        base = mul(base, base);
        exp >>= 1;
    }
    out
}

impl Linked {
    /// Adds an entry; returns its index.
    pub fn entry(&mut self, value: u32, margin: bool) -> usize {
        self.entries.push(Entry { value, margin });
        self.entries.len() - 1
    }

    /// Adds the sum `parts − total = 0`.
    pub fn sum(&mut self, parts: &[usize], total: usize) {
        let mut terms: Vec<(usize, i64)> = parts.iter().map(|&p| (p, 1)).collect();
        terms.push((total, -1));
        self.sums.push(terms);
    }

    /// The hidden entries that the published ones give back, exactly (by any combination of the sums, or as a
    /// forced 0), in index order.
    pub fn rebuilt(&self, hidden: &[bool]) -> Vec<usize> {
        let mut known: Vec<bool> = hidden.iter().map(|h| !h).collect();
        loop {
            let before = known.iter().filter(|k| **k).count();
            self.forced_zeros(&mut known);
            self.linear(&mut known);
            if known.iter().filter(|k| **k).count() == before {
                break;
            }
        }
        (0..hidden.len()).filter(|&i| hidden[i] && known[i]).collect()
    }

    /// A sum whose unknown entries all have the same sign and whose known part is 0 makes each of them 0.
    fn forced_zeros(&self, known: &mut [bool]) {
        for sum in &self.sums {
            let unknown: Vec<&(usize, i64)> = sum.iter().filter(|(e, _)| !known[*e]).collect();
            if unknown.is_empty() {
                continue;
            }
            let same_sign = unknown.iter().all(|(_, c)| *c > 0) || unknown.iter().all(|(_, c)| *c < 0);
            let rest: i64 =
                sum.iter().filter(|(e, _)| known[*e]).map(|(e, c)| c * i64::from(self.entries[*e].value)).sum();
            if same_sign && rest == 0 {
                for (e, _) in unknown {
                    known[*e] = true;
                }
            }
        }
    }

    /// Marks as known every unknown entry whose unit vector is a combination of the sums.
    fn linear(&self, known: &mut [bool]) {
        let unknown: Vec<usize> = (0..known.len()).filter(|&i| !known[i]).collect();
        if unknown.is_empty() {
            return;
        }
        let column = |e: usize| unknown.binary_search(&e).ok();
        let mut rows: Vec<Vec<u64>> = self
            .sums
            .iter()
            .filter_map(|sum| {
                let mut row = vec![0u64; unknown.len()];
                let mut any = false;
                for (e, c) in sum {
                    if let Some(col) = column(*e) {
                        row[col] = (row[col] + reduce(*c)) % P;
                        any = true;
                    }
                }
                any.then_some(row)
            })
            .collect();
        // Reduced row echelon form.
        let mut pivots: Vec<(usize, usize)> = Vec::new();
        let mut top = 0;
        for col in 0..unknown.len() {
            let Some(found) = (top..rows.len()).find(|&r| rows[r][col] != 0) else { continue };
            rows.swap(top, found);
            let inv = inverse(rows[top][col]);
            for v in &mut rows[top] {
                *v = mul(*v, inv);
            }
            let pivot_row = rows[top].clone();
            for (r, row) in rows.iter_mut().enumerate() {
                if r != top && row[col] != 0 {
                    let factor = row[col];
                    for (v, p) in row.iter_mut().zip(&pivot_row) {
                        *v = sub(*v, mul(factor, *p));
                    }
                }
            }
            pivots.push((top, col));
            top += 1;
            if top == rows.len() {
                break;
            }
        }
        for (r, col) in pivots {
            if rows[r].iter().enumerate().all(|(c, v)| c == col || *v == 0) {
                known[unknown[col]] = true;
            }
        }
    }

    /// Which entries to hide: every count of 1 to `k − 1` (and whatever `also` asks), then, one at a time, a
    /// published count sharing a sum with a hidden count that can still be rebuilt — the one after which the
    /// fewest hidden counts can be rebuilt, and among those cells before totals, non-zero counts before zeros
    /// (a hidden 0 protects little: a line whose hidden part adds up to 0 gives it away), the smallest first —
    /// until none can be.
    ///
    /// A zero in `also` that a published total of 0 already gives away (nobody in the column, so nobody in any
    /// of its cells) stays published: hiding it, it could only be protected by hiding that total, then the
    /// totals beside it, and in the end nearly the whole table.
    pub fn suppress(&self, k: u32, also: &[usize]) -> Vec<bool> {
        let mut hidden: Vec<bool> = self.entries.iter().map(|e| e.value > 0 && e.value < k).collect();
        for &e in also {
            hidden[e] = true;
        }
        self.publish_public_zeros(&mut hidden);
        let order = |&e: &usize| {
            let entry = self.entries[e];
            (entry.margin, entry.value == 0, entry.value, e)
        };
        loop {
            let rebuilt = self.rebuilt(&hidden);
            if rebuilt.is_empty() {
                break;
            }
            let mut near: Vec<usize> = self
                .sums
                .iter()
                .filter(|s| s.iter().any(|(e, _)| rebuilt.contains(e)))
                .flat_map(|s| s.iter().map(|(e, _)| *e))
                .filter(|e| !hidden[*e])
                .collect();
            if near.is_empty() {
                // Every neighbour is hidden already: the counts are rebuilt through farther sums.
                near = (0..hidden.len()).filter(|e| !hidden[*e]).collect();
            }
            near.sort_by_key(order);
            near.dedup();
            let left = |c: &usize| {
                let mut trial = hidden.clone();
                trial[*c] = true;
                self.rebuilt(&trial).len()
            };
            // The first of the fewest: `near` is in order of preference.
            let Some(chosen) = near.iter().min_by_key(|c| left(c)) else { break };
            hidden[*chosen] = true;
        }
        hidden
    }

    /// Unhides the zeros that published zeros force: in a sum, when every entry on one side (the total, say) is
    /// a published 0, every entry on the other side is 0 too, for everyone to see.
    fn publish_public_zeros(&self, hidden: &mut [bool]) {
        loop {
            let mut changed = false;
            for sum in &self.sums {
                for side in [1, -1] {
                    let other_side_public_zero = sum
                        .iter()
                        .filter(|(_, c)| c.signum() == -side)
                        .all(|(e, _)| self.entries[*e].value == 0 && !hidden[*e]);
                    if !other_side_public_zero {
                        continue;
                    }
                    for (e, c) in sum {
                        if c.signum() == side && hidden[*e] && self.entries[*e].value == 0 {
                            hidden[*e] = false;
                            changed = true;
                        }
                    }
                }
            }
            if !changed {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A table of `cells` (rows × columns) with row totals, column totals and the grand total, as the linked
    /// counts; returns them and the index of each cell.
    fn table(cells: &[&[u32]]) -> (Linked, Vec<Vec<usize>>) {
        let mut t = Linked::default();
        let ids: Vec<Vec<usize>> = cells.iter().map(|row| row.iter().map(|v| t.entry(*v, false)).collect()).collect();
        let columns = cells[0].len();
        let row_totals: Vec<usize> = cells.iter().map(|r| t.entry(r.iter().sum(), true)).collect();
        let column_totals: Vec<usize> = (0..columns).map(|c| t.entry(cells.iter().map(|r| r[c]).sum(), true)).collect();
        let grand = t.entry(cells.iter().flat_map(|r| r.iter()).sum(), true);
        for (row, total) in ids.iter().zip(&row_totals) {
            t.sum(row, *total);
        }
        for (c, total) in column_totals.iter().enumerate() {
            let column: Vec<usize> = ids.iter().map(|r| r[c]).collect();
            t.sum(&column, *total);
        }
        t.sum(&row_totals, grand);
        t.sum(&column_totals, grand);
        (t, ids)
    }

    #[test]
    fn one_hidden_cell_in_a_line_is_rebuilt_by_subtraction() {
        let (t, ids) = table(&[&[4, 10], &[6, 12]]);
        let mut hidden = vec![false; t.entries.len()];
        hidden[ids[0][0]] = true;
        assert_eq!(t.rebuilt(&hidden), [ids[0][0]]);
    }

    #[test]
    fn a_bridge_between_two_hidden_blocks_is_rebuilt_by_adding_sums() {
        // Two 2×2 blocks of hidden cells, each safe on its own, joined by one hidden cell: rows 0 and 1 minus
        // columns 0 and 1 give it back though no line holds it alone.
        let (t, ids) =
            table(&[&[5, 6, 7, 20, 20], &[6, 5, 8, 20, 20], &[20, 20, 5, 6, 20], &[20, 20, 6, 5, 20], &[20; 5]]);
        let mut hidden = vec![false; t.entries.len()];
        for (r, c) in [(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (2, 2), (2, 3), (3, 2), (3, 3)] {
            hidden[ids[r][c]] = true;
        }
        assert_eq!(t.rebuilt(&hidden), [ids[1][2]]);
    }

    #[test]
    fn a_line_whose_hidden_part_adds_up_to_nothing_gives_its_zeros_away() {
        let (t, ids) = table(&[&[0, 0, 9], &[7, 8, 9]]);
        let mut hidden = vec![false; t.entries.len()];
        hidden[ids[0][0]] = true;
        hidden[ids[0][1]] = true;
        assert_eq!(t.rebuilt(&hidden), [ids[0][0], ids[0][1]]);
    }

    #[test]
    fn complementary_suppression_closes_the_smallest_rectangle_and_keeps_the_totals() {
        let (t, ids) = table(&[&[4, 30, 9], &[8, 7, 40]]);
        let hidden = t.suppress(5, &[]);
        let cells: Vec<(usize, usize)> =
            (0..2).flat_map(|r| (0..3).map(move |c| (r, c))).filter(|(r, c)| hidden[ids[*r][*c]]).collect();
        // With two rows a hidden cell needs a partner in its row, one in its column, and the fourth corner:
        // 8 and 7 are the smallest, so the rectangle takes columns 0 and 1.
        assert_eq!(cells, [(0, 0), (0, 1), (1, 0), (1, 1)]);
        assert_eq!(hidden.iter().filter(|h| **h).count(), 4, "no total hidden");
        assert!(t.rebuilt(&hidden).is_empty());
    }

    #[test]
    fn a_secret_zero_that_a_zero_total_gives_away_is_published_and_the_table_kept() {
        // Row 0 is a group of 3 (all its counts secret); nobody at all is in column 2.
        let (t, ids) = table(&[&[3, 0, 0], &[9, 6, 0], &[8, 7, 0]]);
        let hidden = t.suppress(5, &ids[0]);
        assert!(!hidden[ids[0][2]], "its 0 under a published total of 0");
        assert!(hidden[ids[0][0]] && hidden[ids[0][1]]);
        let cells = ids.iter().flatten().filter(|e| hidden[**e]).count();
        assert_eq!(cells, 4, "the 3, its other zero, and their rectangle: {hidden:?}");
        assert!(t.rebuilt(&hidden).is_empty());
    }
}

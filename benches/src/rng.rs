//! A small deterministic pseudo-random generator (xorshift64*), seeded per entity.
//!
//! Every generated entity (an application, a state machine, a role, an SCP) draws from its own
//! stream, derived from the organization seed, the entity kind and its index. Streams do not
//! depend on one another, so changing one entity (the `--mutate-percent` option) or the number
//! of entities never shifts the random choices of the others.

/// What a stream is for; part of the stream's seed.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stream {
    App = 1,
    Machine = 2,
    MachineMeta = 3,
    MutateMachine = 4,
    Role = 5,
    MutateRole = 6,
    ManagedPolicy = 7,
    MutateManagedPolicy = 8,
    Scp = 9,
    MutateScp = 10,
    Org = 11,
    Layout = 12,
    TemplateRole = 13,
    MutateTemplateRole = 14,
}

/// xorshift64* state; never zero.
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    state: u64,
}

/// One round of SplitMix64, used to spread seeds so that nearby seeds give unrelated streams.
fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Rng {
    /// The stream for entity `index` of `kind` in the organization with `seed`.
    pub(crate) fn stream(seed: u64, kind: Stream, index: u64) -> Self {
        let mixed = splitmix64(splitmix64(seed ^ ((kind as u64) << 56)) ^ index);
        // xorshift has a fixed point at zero.
        Self { state: if mixed == 0 { 0x2545_f491_4f6c_dd1d } else { mixed } }
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        // Multiply-shift keeps the bias negligible for the small ranges used here.
        let wide = u128::from(self.next_u64()) * n as u128;
        usize::try_from(wide >> 64).unwrap_or(0)
    }

    /// A number in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: usize, hi: usize) -> usize {
        if hi <= lo { lo } else { lo + self.below(hi - lo + 1) }
    }

    /// True with probability `p` (0.0 to 1.0).
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        if p <= 0.0 {
            return false;
        }
        if p >= 1.0 {
            return true;
        }
        // 53 random bits give a uniform float in [0, 1).
        let unit = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        unit < p
    }

    /// One of `items`, or `fallback` when `items` is empty.
    pub(crate) fn pick_or<T: Copy>(&mut self, items: &[T], fallback: T) -> T {
        items.get(self.below(items.len())).copied().unwrap_or(fallback)
    }

    /// One of `items` (or `""` when empty).
    pub(crate) fn pick(&mut self, items: &[&'static str]) -> &'static str {
        self.pick_or(items, "")
    }

    /// An index chosen with the given weights (0 when all weights are zero).
    pub(crate) fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
        if total == 0 {
            return 0;
        }
        let mut roll = self.next_u64() % total;
        for (i, w) in weights.iter().enumerate() {
            let w = u64::from(*w);
            if roll < w {
                return i;
            }
            roll -= w;
        }
        0
    }

    /// `len` characters from `alphabet`.
    pub(crate) fn string_from(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len).map(|_| char::from(self.pick_or(alphabet, b'0'))).collect()
    }

    /// `len` lowercase hexadecimal digits.
    pub(crate) fn hex(&mut self, len: usize) -> String {
        self.string_from(b"0123456789abcdef", len)
    }

    /// A random version-4 UUID, lowercase.
    pub(crate) fn uuid(&mut self) -> String {
        let variant = self.pick(&["8", "9", "a", "b"]);
        format!("{}-{}-4{}-{}{}-{}", self.hex(8), self.hex(4), self.hex(3), variant, self.hex(3), self.hex(12))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4).map(|_| Rng::stream(7, Stream::Machine, 3).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut x = Rng::stream(7, Stream::Machine, 3);
        let mut y = Rng::stream(7, Stream::Machine, 4);
        let mut z = Rng::stream(7, Stream::Role, 3);
        let (x1, y1, z1) = (x.next_u64(), y.next_u64(), z.next_u64());
        assert_ne!(x1, y1);
        assert_ne!(x1, z1);
    }

    #[test]
    fn below_and_range_stay_in_bounds() {
        let mut r = Rng::stream(1, Stream::App, 0);
        let mut seen = [false; 5];
        for _ in 0..1000 {
            let v = r.below(5);
            assert!(v < 5);
            seen[v] = true;
            let w = r.range(3, 6);
            assert!((3..=6).contains(&w));
        }
        assert!(seen.iter().all(|s| *s), "every value of a small range comes up");
        assert_eq!(r.below(0), 0);
    }

    #[test]
    fn chance_tracks_the_probability() {
        let mut r = Rng::stream(2, Stream::App, 0);
        let hits = (0..100_000).filter(|_| r.chance(0.01)).count();
        assert!((700..1300).contains(&hits), "{hits} hits for p = 1%");
        assert!(!r.chance(0.0));
        assert!(r.chance(1.0));
    }

    #[test]
    fn uuid_has_the_v4_shape() {
        let u = Rng::stream(3, Stream::App, 0).uuid();
        let parts: Vec<&str> = u.split('-').collect();
        assert_eq!(parts.iter().map(|p| p.len()).collect::<Vec<_>>(), [8, 4, 4, 4, 12]);
        assert!(parts[2].starts_with('4'));
    }
}

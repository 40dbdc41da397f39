/// MT19937 (Matsumoto & Nishimura 1998) seeded and read exactly as NumPy's legacy global generator
/// (`np.random.seed(s)` then `np.random.rand(n)`), so that a split another framework drew with
/// NumPy can be drawn again bit for bit. Microsoft Recommenders' `python_stratified_split`, for
/// one, ranks each group's rows by `np.random.rand` after `np.random.seed(42)`.
///
/// Not a general-purpose generator for recbench (that is `SeededGenerator`): it exists only to
/// reproduce other tools' draws.
public struct MersenneTwister19937: Sendable {
    private var state = [UInt32](repeating: 0, count: 624)
    private var index = 624

    /// NumPy's `seed(s)` for an integer s < 2³²: Knuth's linear initialisation (`init_genrand`).
    public init(seed: UInt32) {
        state[0] = seed
        for i in 1..<624 {
            state[i] = 1_812_433_253 &* (state[i - 1] ^ (state[i - 1] >> 30)) &+ UInt32(i)
        }
    }

    /// The next 32-bit output (`genrand_int32`).
    public mutating func nextUInt32() -> UInt32 {
        if index >= 624 { twist() }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        y ^= y >> 18
        return y
    }

    /// NumPy's `random_sample`: 53 random bits from two outputs, (a·2²⁶ + b) / 2⁵³ with a the top
    /// 27 bits of the first and b the top 26 of the second; uniform on [0, 1).
    public mutating func nextDouble() -> Double {
        let a = Double(nextUInt32() >> 5), b = Double(nextUInt32() >> 6)
        return (a * 67_108_864 + b) / 9_007_199_254_740_992
    }

    private mutating func twist() {
        for i in 0..<624 {
            let y = (state[i] & 0x8000_0000) | (state[(i + 1) % 624] & 0x7FFF_FFFF)
            state[i] = state[(i + 397) % 624] ^ (y >> 1) ^ ((y & 1) == 0 ? 0 : 0x9908_B0DF)
        }
        index = 0
    }
}

/// Seeded pseudo-random numbers that are identical on every platform and Swift version.
///
/// Swift's own `shuffle()` and `random(in:)` may change their algorithms between releases, which
/// would silently change splits and sampled negatives; everything seeded in recbench goes through
/// this generator instead.

import Foundation

/// SplitMix64 (Steele, Lea & Flood 2014): used to expand one seed into generator state.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256** (Blackman & Vigna 2018): fast, statistically strong, 2^256 − 1 period.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64

    public init(seed: UInt64) {
        var mixer = SplitMix64(seed: seed)
        s0 = mixer.next()
        s1 = mixer.next()
        s2 = mixer.next()
        s3 = mixer.next()
    }

    /// A generator for one of many independent streams (e.g. one per user) derived from one seed.
    public init(seed: UInt64, stream: UInt64) {
        var mixer = SplitMix64(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        self.init(seed: mixer.next())
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    public mutating func next() -> UInt64 {
        let result = Self.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = Self.rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextDouble() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [0, 1) with 24 random bits.
    public mutating func nextFloat() -> Float { Float(next() >> 40) * 0x1.0p-24 }

    /// Uniform integer in 0..<bound without modulo bias (Lemire 2019).
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold { product = next().multipliedFullWidth(by: range) }
        }
        return Int(product.high)
    }

    /// Fisher–Yates shuffle with this generator (stable across Swift versions, unlike `shuffle()`).
    public mutating func shuffle<C: MutableCollection & RandomAccessCollection>(_ collection: inout C) where C.Index == Int {
        var i = collection.count - 1
        while i > 0 {
            let j = nextInt(below: i + 1)
            collection.swapAt(collection.startIndex + i, collection.startIndex + j)
            i -= 1
        }
    }
}

extension SeededGenerator {
    /// Standard normal N(0, 1) by the Box–Muller transform: two uniforms, one normal (the second
    /// normal of the pair is discarded so the generator keeps no cached state).
    public mutating func nextGaussian() -> Double {
        // 1 − U lies in (0, 1], so the logarithm is finite.
        let radius = (-2 * log(1 - nextDouble())).squareRoot()
        return radius * cos(2 * Double.pi * nextDouble())
    }

    /// Normal with the given mean and standard deviation.
    public mutating func nextGaussian(mean: Double, standardDeviation: Double) -> Double {
        mean + standardDeviation * nextGaussian()
    }
}

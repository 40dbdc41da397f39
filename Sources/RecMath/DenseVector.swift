/// Kernels on short dense `Float` vectors in raw memory: the inner loops of factor models (SVD,
/// SVD++, NMF, …) — dot products, squared norms, scaled additions and the SGD step of a factor pair.
///
/// Every kernel works `DenseVector.lanes` floats at a time with `SIMD8<Float>` (portable Swift SIMD;
/// no fast-math is needed for the reductions to vectorise), so every `count` must be a multiple of
/// `lanes`. Rows are padded with zeros to that length (`FactorMatrix` does this); each update here
/// maps zero padding to zero, so the padded lanes never change a result.
public enum DenseVector {
    public typealias Lane = SIMD8<Float>
    public static let lanes = 8

    /// `count` rounded up to a multiple of `lanes`.
    @inlinable public static func paddedCount(_ count: Int) -> Int { (count + lanes - 1) / lanes * lanes }

    @inlinable @inline(__always)
    public static func load(_ base: UnsafePointer<Float>, _ offset: Int) -> Lane {
        UnsafeRawPointer(base + offset).loadUnaligned(as: Lane.self)
    }

    @inlinable @inline(__always)
    public static func load(_ base: UnsafeMutablePointer<Float>, _ offset: Int) -> Lane {
        UnsafeRawPointer(base + offset).loadUnaligned(as: Lane.self)
    }

    @inlinable @inline(__always)
    public static func store(_ value: Lane, _ base: UnsafeMutablePointer<Float>, _ offset: Int) {
        UnsafeMutableRawPointer(base + offset).storeBytes(of: value, as: Lane.self)
    }

    /// Σ a[k]·b[k].
    @inlinable @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var even = Lane(), odd = Lane()
        var k = 0
        while k + 2 * lanes <= count {
            even += load(a, k) * load(b, k)
            odd += load(a, k + lanes) * load(b, k + lanes)
            k += 2 * lanes
        }
        if k < count { even += load(a, k) * load(b, k) }
        return (even + odd).sum()
    }

    /// Σ a[k]·(b[k] + c[k]) — a dot product against the sum of two vectors (SVD++: q_i·(p_u + z_u)).
    @inlinable @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, sumOf b: UnsafePointer<Float>, _ c: UnsafePointer<Float>,
                           count: Int) -> Float {
        var even = Lane(), odd = Lane()
        var k = 0
        while k + 2 * lanes <= count {
            even += load(a, k) * (load(b, k) + load(c, k))
            odd += load(a, k + lanes) * (load(b, k + lanes) + load(c, k + lanes))
            k += 2 * lanes
        }
        if k < count { even += load(a, k) * (load(b, k) + load(c, k)) }
        return (even + odd).sum()
    }

    /// Σ a[k]².
    @inlinable @inline(__always)
    public static func sumOfSquares(_ a: UnsafePointer<Float>, count: Int) -> Float {
        dot(a, a, count: count)
    }

    /// y ← α·y + x·β (β a scalar applied to every x[k]); with α = 1 this is BLAS `axpy`.
    @inlinable @inline(__always)
    public static func scaleAdd(_ y: UnsafeMutablePointer<Float>, scale alpha: Float,
                                _ x: UnsafePointer<Float>, times beta: Float, count: Int) {
        var k = 0
        while k < count {
            store(alpha * load(y, k) + beta * load(x, k), y, k)
            k += lanes
        }
    }

    /// y ← α·y.
    @inlinable @inline(__always)
    public static func scale(_ y: UnsafeMutablePointer<Float>, by alpha: Float, count: Int) {
        var k = 0
        while k < count {
            store(alpha * load(y, k), y, k)
            k += lanes
        }
    }

    /// y ← 0.
    @inlinable @inline(__always)
    public static func zero(_ y: UnsafeMutablePointer<Float>, count: Int) {
        y.update(repeating: 0, count: count)
    }

    /// One stochastic-gradient step of a factor pair (p, q) against the prediction error `error`,
    /// both updates computed from the old values (Funk SVD, Surprise's `SVD.sgd`):
    ///
    ///     p ← p + lrP·(error·q − regP·p)
    ///     q ← q + lrQ·(error·p − regQ·q)
    @inlinable @inline(__always)
    public static func sgdPairStep(p: UnsafeMutablePointer<Float>, q: UnsafeMutablePointer<Float>, count: Int,
                                   error: Float, lrP: Float, regP: Float, lrQ: Float, regQ: Float) {
        let keepP = 1 - lrP * regP, keepQ = 1 - lrQ * regQ
        let stepP = lrP * error, stepQ = lrQ * error
        var k = 0
        while k < count {
            let oldP = load(p, k), oldQ = load(q, k)
            store(keepP * oldP + stepP * oldQ, p, k)
            store(keepQ * oldQ + stepQ * oldP, q, k)
            k += lanes
        }
    }
}

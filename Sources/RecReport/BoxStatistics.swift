import Foundation

/// The five numbers of a Tukey box plot, plus the mean: quartiles by linear interpolation
/// between order statistics (numpy's default `percentile` method, R's type 7), whiskers at the
/// most extreme values within 1.5 × IQR of the box.
struct BoxStatistics: Equatable {
    var count: Int
    var lowerWhisker: Double
    var firstQuartile: Double
    var median: Double
    var thirdQuartile: Double
    var upperWhisker: Double
    var mean: Double

    /// nil for no values (or any non-finite one).
    init?(_ values: [Double]) {
        guard !values.isEmpty, values.allSatisfy(\.isFinite) else { return nil }
        let sorted = values.sorted()
        func quantile(_ q: Double) -> Double {
            let position = q * Double(sorted.count - 1)
            let low = Int(position.rounded(.down))
            let high = min(low + 1, sorted.count - 1)
            return sorted[low] + (position - Double(low)) * (sorted[high] - sorted[low])
        }
        let q1 = quantile(0.25), q3 = quantile(0.75)
        let reach = 1.5 * (q3 - q1)
        count = sorted.count
        firstQuartile = q1
        median = quantile(0.5)
        thirdQuartile = q3
        // The quartiles lie within the data, so both searches find a value.
        lowerWhisker = sorted.first { $0 >= q1 - reach } ?? sorted[0]
        upperWhisker = sorted.last { $0 <= q3 + reach } ?? sorted[sorted.count - 1]
        mean = sorted.reduce(0, +) / Double(sorted.count)
    }
}

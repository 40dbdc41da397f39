import Foundation

/// The datasets recbench knows by name: where each lives under the data directory, how it is
/// read, its size and licence in a line, and whether it ships its own train/test split.
public struct KnownDataset: Sendable {
    public var name: String
    /// Folder under the data directory, and a file whose presence means the dataset is there.
    public var folder: String
    public var marker: String
    public var summary: String
    public var licence: String
    /// The split the dataset comes with (e.g. LightGCN's train/test), usable as `method = "predefined"`.
    public var hasFixedSplit: Bool

    public func isPresent(in directory: DataDirectory) -> Bool {
        FileManager.default.fileExists(atPath: "\(directory.path)/\(folder)/\(marker)")
    }

    /// Reads the dataset, plus its fixed split where it has one.
    public func load(from directory: DataDirectory) throws -> (dataset: Dataset, fixedSplit: Split?) {
        switch name {
        case MovieLens100K.name:
            return (try MovieLens100K.load(from: directory), nil)
        case _ where MovieLens1M10M.Release(rawValue: name) != nil:
            return (try MovieLens1M10M.load(MovieLens1M10M.Release(rawValue: name)!, from: directory), nil)
        case _ where MovieLensCSV.Release(rawValue: name) != nil:
            return (try MovieLensCSV.load(MovieLensCSV.Release(rawValue: name)!, from: directory), nil)
        default:
            let (dataset, split) = try LightGCNFormat.load(name, from: directory)
            return (dataset, split)
        }
    }
}

public enum DatasetRegistry {
    static let grouplens = "GroupLens: research use, cite Harper & Konstan 2015, no redistribution, no commercial use"

    public static let all: [KnownDataset] = [
        KnownDataset(name: "ml-100k", folder: "ml-100k", marker: "u.data",
                     summary: "MovieLens 100K: 943 users, 1,682 movies, 100,000 ratings 1–5, genres; u1–u5 and ua/ub folds",
                     licence: grouplens, hasFixedSplit: false),
        KnownDataset(name: "ml-1m", folder: "ml-1m", marker: "ratings.dat",
                     summary: "MovieLens 1M: 6,040 users, 3,706 movies, 1,000,209 ratings 1–5, demographics",
                     licence: grouplens, hasFixedSplit: false),
        KnownDataset(name: "ml-10m", folder: "ml-10M100K", marker: "ratings.dat",
                     summary: "MovieLens 10M: 69,878 users, 10,677 movies, 10,000,054 half-star ratings, tags",
                     licence: grouplens, hasFixedSplit: false),
        KnownDataset(name: "ml-latest-small", folder: "ml-latest-small", marker: "ratings.csv",
                     summary: "MovieLens latest-small (2018): 610 users, 9,724 rated movies, 100,836 half-star ratings, 3,683 tags",
                     licence: "GroupLens: research use, cite Harper & Konstan 2015; redistribution allowed under the same terms",
                     hasFixedSplit: false),
        KnownDataset(name: "ml-20m", folder: "ml-20m", marker: "ratings.csv",
                     summary: "MovieLens 20M: 138,493 users, 26,744 movies, 20,000,263 half-star ratings, tags",
                     licence: grouplens, hasFixedSplit: false),
        KnownDataset(name: "ml-25m", folder: "ml-25m", marker: "ratings.csv",
                     summary: "MovieLens 25M: 162,541 users, 59,047 movies, 25,000,095 half-star ratings, tags",
                     licence: grouplens, hasFixedSplit: false),
        KnownDataset(name: "gowalla", folder: "gowalla", marker: "train.txt",
                     summary: "Gowalla check-ins as split by LightGCN/NGCF: 29,858 users, 40,981 places, 810,128 train + 217,242 test",
                     licence: "SNAP loc-gowalla; no licence file ships with the LightGCN split",
                     hasFixedSplit: true),
        KnownDataset(name: "yelp2018", folder: "yelp2018", marker: "train.txt",
                     summary: "Yelp 2018 as split by LightGCN/NGCF: 31,668 users, 38,048 businesses, 1,561,406 interactions",
                     licence: "Yelp dataset terms", hasFixedSplit: true),
        KnownDataset(name: "amazon-book", folder: "amazon-book", marker: "train.txt",
                     summary: "Amazon-book as split by LightGCN/NGCF: 52,643 users, 91,599 books, 2,984,108 interactions",
                     licence: "Amazon review data terms (McAuley et al.)", hasFixedSplit: true),
    ]

    public static var names: [String] { all.map(\.name) }

    public static func named(_ name: String) -> KnownDataset? { all.first { $0.name == name } }
}

/// Counts a researcher checks before trusting a dataset: sizes, rating histogram, activity
/// quantiles, time span.
public struct DatasetStatistics: Sendable {
    public var users: Int
    public var items: Int
    public var interactions: Int
    public var density: Double
    public var ratingHistogram: [(rating: Float, count: Int)]
    /// Quantiles (min, 25%, median, 75%, 90%, max) of interactions per user and per item.
    public var perUser: [Int]
    public var perItem: [Int]
    public var firstTimestamp: Int64?
    public var lastTimestamp: Int64?

    public init(_ dataset: Dataset) {
        users = dataset.userCount
        items = dataset.itemCount
        interactions = dataset.interactionCount
        density = dataset.density
        var histogram: [Float: Int] = [:]
        for rating in dataset.ratings { histogram[rating, default: 0] += 1 }
        ratingHistogram = histogram.keys.sorted().map { ($0, histogram[$0]!) }
        var userCounts = [Int](repeating: 0, count: dataset.userCount)
        var itemCounts = [Int](repeating: 0, count: dataset.itemCount)
        for k in 0..<dataset.interactionCount {
            userCounts[Int(dataset.users[k])] += 1
            itemCounts[Int(dataset.items[k])] += 1
        }
        perUser = Self.quantiles(userCounts)
        perItem = Self.quantiles(itemCounts)
        let stamps = dataset.timestamps.filter { $0 != 0 }
        firstTimestamp = stamps.min()
        lastTimestamp = stamps.max()
    }

    public static let quantileLabels = ["min", "25%", "median", "75%", "90%", "max"]

    /// Nearest-rank quantiles of counts.
    static func quantiles(_ counts: [Int]) -> [Int] {
        let sorted = counts.sorted()
        guard !sorted.isEmpty else { return [] }
        return [0.0, 0.25, 0.5, 0.75, 0.9, 1.0].map { q in
            sorted[min(sorted.count - 1, max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1))]
        }
    }
}

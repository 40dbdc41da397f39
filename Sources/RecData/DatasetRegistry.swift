import Foundation

/// The datasets recbench knows by name: where each lives under the data directory, how it is
/// read, its size and licence in a line, whether it ships its own train/test split, where it is
/// downloaded from and which files (with which SHA-256, where known) make it complete.
public struct KnownDataset: Sendable {
    public var name: String
    /// Folder under the data directory, and a file whose presence means the dataset is there.
    public var folder: String
    public var marker: String
    public var summary: String
    public var licence: String
    /// The split the dataset comes with (e.g. LightGCN's train/test), usable as `method = "predefined"`.
    public var hasFixedSplit: Bool
    /// The official download, nil when there is none recbench can fetch.
    public var source: DatasetSource?
    /// The files of the dataset folder that `fetch` and `import` check (the marker among them).
    public var files: [ExpectedFile]

    public func isPresent(in directory: DataDirectory) -> Bool {
        FileManager.default.fileExists(atPath: "\(directory.path)/\(folder)/\(marker)")
    }

    /// Reads the dataset, plus its fixed split where it has one. With `badRows`, malformed rows
    /// are skipped and recorded there instead of stopping the read.
    public func load(from directory: DataDirectory, badRows: BadRowLog? = nil) throws -> (dataset: Dataset, fixedSplit: Split?) {
        let badRows = badRows ?? BadRowLog.current
        return try BadRowLog.$current.withValue(badRows) {
            switch name {
            case MovieLens100K.name:
                return (try MovieLens100K.load(from: directory, badRows: badRows), nil)
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
}

public enum DatasetRegistry {
    static let grouplens = "GroupLens: research use, cite Harper & Konstan 2015, no redistribution, no commercial use"
    static let grouplensFiles = "https://files.grouplens.org/datasets/movielens/"
    static let tfds = "TensorFlow Datasets url_checksums/movielens.txt (tensorflow/datasets 1c076ac3)"
    /// LightGCN's data files, pinned to one commit so the bytes cannot change under the checksums.
    static let lightGCN = "https://raw.githubusercontent.com/kuandeng/LightGCN/b067ec05f16a24e0e1efe63cd82385f0c469af20/Data/"

    static func grouplensZip(_ name: String, sha256: String? = nil, bytes: Int64? = nil, confirmedBy: String? = nil) -> RemoteFile {
        RemoteFile(url: grouplensFiles + name + ".zip", sha256: sha256, bytes: bytes,
                   checksumSource: sha256 == nil ? nil : [tfds, confirmedBy].compactMap { $0 }.joined(separator: "; "))
    }

    static func lightGCNFiles(_ dataset: String, _ checksums: [String: String] = [:],
                              files: [String] = ["train.txt", "test.txt", "user_list.txt", "item_list.txt"]) -> DatasetSource {
        .files(files.map { file in
            NamedRemoteFile(file, RemoteFile(url: lightGCN + dataset + "/" + file, sha256: checksums[file],
                                             checksumSource: checksums[file] == nil ? nil : "git blob of kuandeng/LightGCN, also in NGCF and LightGCN-PyTorch (shared datasets SOURCE.md)"))
        })
    }

    static func movieLensCSVFiles(_ checksums: [String: String] = [:], extra: [String] = []) -> [ExpectedFile] {
        ["ratings.csv", "movies.csv", "tags.csv", "links.csv"].map { ExpectedFile($0, sha256: checksums[$0]) }
            + extra.map { ExpectedFile($0, sha256: checksums[$0], required: false) }
    }

    public static let all: [KnownDataset] = [
        KnownDataset(name: "ml-100k", folder: "ml-100k", marker: "u.data",
                     summary: "MovieLens 100K: 943 users, 1,682 movies, 100,000 ratings 1–5, genres; u1–u5 and ua/ub folds",
                     licence: grouplens, hasFixedSplit: false,
                     source: .archive(grouplensZip("ml-100k", sha256: "50d2a982c66986937beb9ffb3aa76efe955bf3d5c6b761f4e3a7cd717c6a3229",
                                                   bytes: 4_924_029, confirmedBy: "shared datasets ml-100k/SOURCE.md"), root: "ml-100k"),
                     files: [
                        ExpectedFile("u.data", sha256: "06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490"),
                        ExpectedFile("u.item", sha256: "553841ebc7de3a0fd0d6b62a204ea30c1e651aacfb2814c7a6584ac52f2c5701"),
                        ExpectedFile("u.user", sha256: "f120e114da2e8cf314fd28f99417c94ae9ddf1cb6db8ce0e4b5995d40e90e62c"),
                        ExpectedFile("u.genre", sha256: "9757e0d3e6b298159a80dd48eaf938114690e911e39af97a76949ef1663610bb"),
                        ExpectedFile("u.info", sha256: "5b0a40b2e47a729ee6203063f6dcf8790c2e63f5a18663e6ee318a72c5f3c27b"),
                        ExpectedFile("u.occupation", sha256: "cd5fbec9afe345d993a62fc7817df1a4a9079c4feb267b3118763b8fd942137d"),
                        ExpectedFile("u1.base", sha256: "ce253ec86c448b44fb3ba9a30d12dcfc2e9210cbde71efada3730c22e9ac212a"),
                        ExpectedFile("u1.test", sha256: "18c6014a4b2c7324f250a63f8904a7b16b2b19f911129e346141507b0cbac950"),
                        ExpectedFile("u2.base", sha256: "6c06f0b5df4b256da1a994f3ac66edc8da4d3f09bc9282df6b14d893366d703e"),
                        ExpectedFile("u2.test", sha256: "4de658d1e04ed9104629509a2e2528fce833ac8e048280183f1df167632038c3"),
                        ExpectedFile("u3.base", sha256: "afdc155c291c6edc41c0407e39d7462eb98d341e064f0b0a12175b80b3c4af5d"),
                        ExpectedFile("u3.test", sha256: "0f548b51c78327de4c156461d3e430b7e5579fe2b5681586a59416e48fd35f6d"),
                        ExpectedFile("u4.base", sha256: "219f0f4d40dfe9c5141d425f53fa91ee23ed275f14e280bbf1b50117afb064ca"),
                        ExpectedFile("u4.test", sha256: "7c02ad0a1e7ab1083c8b9d4b627203a051dd7b5eab46d99fa44de33470de8db9"),
                        ExpectedFile("u5.base", sha256: "a9574e59ce961eec2121627760b6e9b0974ce1637b3fe69ac32cb14a4bfab485"),
                        ExpectedFile("u5.test", sha256: "351cc52e0d15b6c721466276fc24671d40936899e3d01fadeaf312915b8c5634"),
                        ExpectedFile("ua.base", sha256: "67b5bcdb380c29f85d56a012ecd88612ae020f30a6730d117a334ee8203b91f2"),
                        ExpectedFile("ua.test", sha256: "d0497e202417720f57a184ec8c66be2d1afa4ff41bb53787c57b28d6bf79bc42"),
                        ExpectedFile("ub.base", sha256: "237254d253b6ad7de84f919d041055428646254f34ed8f562703c899430cd881"),
                        ExpectedFile("ub.test", sha256: "d54a72d05730d5892062734b2bec73e976f9b713d18c828a18b968d6cce442da"),
                        ExpectedFile("README", sha256: "4883b8cf340ed0059971b33f56ad3adc88a40792108ebca3d24aafc4c82e8b52", required: false),
                     ]),
        KnownDataset(name: "ml-1m", folder: "ml-1m", marker: "ratings.dat",
                     summary: "MovieLens 1M: 6,040 users, 3,706 movies, 1,000,209 ratings 1–5, demographics",
                     licence: grouplens, hasFixedSplit: false,
                     source: .archive(grouplensZip("ml-1m", sha256: "a6898adb50b9ca05aa231689da44c217cb524e7ebd39d264c56e2832f2c54e20",
                                                   bytes: 5_917_549, confirmedBy: "shared datasets ml-1m/SOURCE.md"), root: "ml-1m"),
                     files: [
                        ExpectedFile("ratings.dat", sha256: "506d64ca44484487c11dc2d9a28de5c54948213e6b96285e298afe28d6ea4e0f"),
                        ExpectedFile("movies.dat", sha256: "0140fc2356357c1a851d0f52e893a1e4d3696df632c4141cea8d5bc3d621f0b9"),
                        ExpectedFile("users.dat", sha256: "1dc3a95300cb19f7c10e027daf29b8cdf1d908dab65b5edfb45950aa389a10a3"),
                        ExpectedFile("README", sha256: "2d5ddce86ccbd247207456165827b4b9ddf27282bca93807d4c763e28414f133", required: false),
                     ]),
        KnownDataset(name: "ml-10m", folder: "ml-10M100K", marker: "ratings.dat",
                     summary: "MovieLens 10M: 69,878 users, 10,677 movies, 10,000,054 half-star ratings, tags",
                     licence: grouplens, hasFixedSplit: false,
                     source: .archive(grouplensZip("ml-10m"), root: "ml-10M100K"),
                     files: ["ratings.dat", "movies.dat", "tags.dat"].map { ExpectedFile($0) }),
        KnownDataset(name: "ml-latest-small", folder: "ml-latest-small", marker: "ratings.csv",
                     summary: "MovieLens latest-small (2018): 610 users, 9,724 rated movies, 100,836 half-star ratings, 3,683 tags",
                     licence: "GroupLens: research use, cite Harper & Konstan 2015; redistribution allowed under the same terms",
                     hasFixedSplit: false,
                     source: .archive(grouplensZip("ml-latest-small", sha256: "696d65a3dfceac7c45750ad32df2c259311949efec81f0f144fdfb91ebc9e436",
                                                   bytes: 978_202, confirmedBy: "shared datasets ml-latest-small/SOURCE.md"), root: "ml-latest-small"),
                     files: movieLensCSVFiles([
                        "ratings.csv": "aa289ca83157595d0df6aea1be6a4ded676ddc4385472e8313a8ed9805352646",
                        "movies.csv": "5a5f32dd9bb3797b8e728a1b98958789d2b13f294a69fdfbc5727f8a9611aa07",
                        "tags.csv": "92a9f8bb7916dceef6151209845788c3643f794dfa79d1feaec7121b5960399d",
                        "links.csv": "97ad18e4e56a09363c65676b6cb3482ce3e2cea2372a24620c1599c843325f31",
                        "README.txt": "63d22ac138e80fae37021797ed8e1b9424b5239dc576a137422adf783ae3f404",
                     ], extra: ["README.txt"])),
        KnownDataset(name: "ml-20m", folder: "ml-20m", marker: "ratings.csv",
                     summary: "MovieLens 20M: 138,493 users, 26,744 movies, 20,000,263 half-star ratings, tags",
                     licence: grouplens, hasFixedSplit: false,
                     source: .archive(grouplensZip("ml-20m", sha256: "96f243c338a8665f6bcc89c53edf6ee39162a846940de6b7c8c48aeada765ff3",
                                                   bytes: 198_702_078), root: "ml-20m"),
                     files: movieLensCSVFiles()),
        KnownDataset(name: "ml-25m", folder: "ml-25m", marker: "ratings.csv",
                     summary: "MovieLens 25M: 162,541 users, 59,047 movies, 25,000,095 half-star ratings, tags",
                     licence: grouplens, hasFixedSplit: false,
                     source: .archive(grouplensZip("ml-25m", sha256: "8b21cfb7eb1706b4ec0aac894368d90acf26ebdfb6aced3ebd4ad5bd1eb9c6aa",
                                                   bytes: 261_978_986), root: "ml-25m"),
                     files: movieLensCSVFiles()),
        KnownDataset(name: "ml-32m", folder: "ml-32m", marker: "ratings.csv",
                     summary: "MovieLens 32M (2024): 200,948 users, 87,585 movies, 32,000,204 half-star ratings, tags",
                     licence: grouplens, hasFixedSplit: false,
                     source: .archive(grouplensZip("ml-32m"), root: "ml-32m"),
                     files: movieLensCSVFiles()),
        KnownDataset(name: "ml-latest", folder: "ml-latest", marker: "ratings.csv",
                     summary: "MovieLens latest (full): GroupLens's current release, updated without notice; not for reproducible results",
                     licence: grouplens, hasFixedSplit: false,
                     source: .archive(grouplensZip("ml-latest"), root: "ml-latest"),
                     files: movieLensCSVFiles()),
        KnownDataset(name: "gowalla", folder: "gowalla", marker: "train.txt",
                     summary: "Gowalla check-ins as split by LightGCN/NGCF: 29,858 users, 40,981 places, 810,128 train + 217,242 test",
                     licence: "SNAP loc-gowalla; no licence file ships with the LightGCN split",
                     hasFixedSplit: true,
                     source: lightGCNFiles("gowalla", [
                        "train.txt": "7244696fdeb23911319cf7b689f2e15a3c4c92549c873a5677b44e3f13cc3e62",
                        "test.txt": "099a2a73924e4b754dc6efd730d764f492321b53c38eb93298850c83acf57be3",
                        "user_list.txt": "5344c4d0deef610e1f148f23ad216a0db03b36f88834cd39a06786a672c5f5a1",
                        "item_list.txt": "6b186f92890cc3f0c15a6dae5d6285f125a302bb8c5ea0cd9a16cf9c16347139",
                     ]),
                     files: [
                        ExpectedFile("train.txt", sha256: "7244696fdeb23911319cf7b689f2e15a3c4c92549c873a5677b44e3f13cc3e62"),
                        ExpectedFile("test.txt", sha256: "099a2a73924e4b754dc6efd730d764f492321b53c38eb93298850c83acf57be3"),
                        ExpectedFile("user_list.txt", sha256: "5344c4d0deef610e1f148f23ad216a0db03b36f88834cd39a06786a672c5f5a1", required: false),
                        ExpectedFile("item_list.txt", sha256: "6b186f92890cc3f0c15a6dae5d6285f125a302bb8c5ea0cd9a16cf9c16347139", required: false),
                     ]),
        KnownDataset(name: "yelp2018", folder: "yelp2018", marker: "train.txt",
                     summary: "Yelp 2018 as split by LightGCN/NGCF: 31,668 users, 38,048 businesses, 1,561,406 interactions",
                     licence: "Yelp dataset terms", hasFixedSplit: true,
                     source: lightGCNFiles("yelp2018", files: ["train.txt", "test.txt"]),
                     files: [ExpectedFile("train.txt"), ExpectedFile("test.txt")]),
        KnownDataset(name: "amazon-book", folder: "amazon-book", marker: "train.txt",
                     summary: "Amazon-book as split by LightGCN/NGCF: 52,643 users, 91,599 books, 2,984,108 interactions",
                     licence: "Amazon review data terms (McAuley et al.)", hasFixedSplit: true,
                     source: lightGCNFiles("amazon-book", files: ["train.txt", "test.txt"]),
                     files: [ExpectedFile("train.txt"), ExpectedFile("test.txt")]),
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

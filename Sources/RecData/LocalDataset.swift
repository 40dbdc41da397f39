import Foundation

/// A dataset folder given by path rather than by registry name (`recbench data stats ./my-data`),
/// read by the reader its files call for.
public enum LocalDataset {
    /// The formats a folder is recognised as, by the files it holds, checked in this order.
    public static let recognised = [
        "u.data (MovieLens 100K)", "ratings.csv (MovieLens CSV)", "ratings.dat (MovieLens 1M/10M)",
        "train.txt + test.txt (LightGCN)", "NAME.inter (RecBole)",
    ]

    /// Reads the folder at `path`; the dataset is named after the folder.
    public static func load(path: String, badRows: BadRowLog? = nil) throws -> (dataset: Dataset, fixedSplit: Split?) {
        let folder = URL(fileURLWithPath: path).standardizedFileURL
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw DataFileError(file: path, message: "not a folder (a dataset given by path is a folder holding its files)")
        }
        let name = folder.lastPathComponent
        func has(_ file: String) -> Bool { FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path) }
        func file(_ name: String) -> String { folder.appendingPathComponent(name).path }
        let badRows = badRows ?? BadRowLog.current
        return try BadRowLog.$current.withValue(badRows) {
            if has("u.data") {
                return (try MovieLens100K.load(ratingsFile: file("u.data"), itemFile: has("u.item") ? file("u.item") : nil,
                                               userFile: has("u.user") ? file("u.user") : nil, badRows: badRows), nil)
            }
            if has("ratings.csv") {
                return (try MovieLensCSV.load(folder: folder.path, name: name), nil)
            }
            if has("ratings.dat") {
                // users.dat ships with 1M only; 10M's rules (half stars, UTF-8 or Latin-1 titles) accept 1M's data too.
                let release: MovieLens1M10M.Release = has("users.dat") ? .ml1m : .ml10m
                return (try MovieLens1M10M.load(
                    ratingsFile: file("ratings.dat"), moviesFile: has("movies.dat") ? file("movies.dat") : nil,
                    usersFile: has("users.dat") ? file("users.dat") : nil, tagsFile: has("tags.dat") ? file("tags.dat") : nil,
                    release: release), nil)
            }
            if has("train.txt") && has("test.txt") {
                let (dataset, split) = try LightGCNFormat.load(trainFile: file("train.txt"), testFile: file("test.txt"), name: name)
                return (dataset, split)
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            if let inter = names.sorted().first(where: { $0.hasSuffix(".inter") }) {
                return (try RecBoleAtomic.load(folder: folder.path, name: String(inter.dropLast(".inter".count))), nil)
            }
            throw DataFileError(file: folder.path, message: """
                no dataset format recognised; a dataset folder holds one of: \(recognised.joined(separator: ", ")). \
                Any other delimited file is read through an experiment file's column mapping.
                """)
        }
    }
}

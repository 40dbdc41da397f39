import Foundation

/// The train/test files that ship with MovieLens 100K: `u1`…`u5` (five disjoint 80/20 folds of
/// the ratings, for 5-fold cross-validation) and `ua`, `ub` (exactly 10 ratings per user in test).
public enum MovieLens100KFolds {
    public static let sets: [String: [String]] = [
        "u1-u5": ["u1", "u2", "u3", "u4", "u5"],
        "ua-ub": ["ua", "ub"],
    ]

    /// Reads `<prefix>.base` and `<prefix>.test` for each fold of `set` and maps their rows onto the
    /// dataset's interactions. Every row must be one of the dataset's ratings, with the same rating.
    /// `only`: read just that fold (0-based); the others come back empty.
    public static func load(set: String, from directory: DataDirectory, dataset: Dataset, only: Int? = nil) throws -> [Split] {
        guard let prefixes = sets[set] else {
            throw DataFileError(file: set, message: "unknown predefined split set; known: \(sets.keys.sorted().joined(separator: ", "))")
        }
        let folder = URL(fileURLWithPath: directory.path).appendingPathComponent(MovieLens100K.folder)
        let userIndex = Dictionary(uniqueKeysWithValues: dataset.userIDs.enumerated().map { ($1, $0) })
        let itemIndex = Dictionary(uniqueKeysWithValues: dataset.itemIDs.enumerated().map { ($1, $0) })
        var interaction = [Int64: Int](minimumCapacity: dataset.interactionCount)
        for k in 0..<dataset.interactionCount {
            interaction[Int64(dataset.users[k]) << 32 | Int64(dataset.items[k])] = k
        }
        func rows(_ path: String) throws -> [Int] {
            guard FileManager.default.fileExists(atPath: path) else {
                throw DatasetMissingError(dataset: "ml-100k (\(set) folds)", lookedIn: folder.path, origin: directory.origin,
                                          missingFile: path, advice: "The predefined folds ship inside ml-100k.zip; unpack all of it.")
            }
            return try MovieLens100K.readRatings(path).map { row in
                guard let user = userIndex[String(row.user)], let item = itemIndex[String(row.item)],
                      let k = interaction[Int64(user) << 32 | Int64(item)] else {
                    throw DataFileError(file: path, line: row.line, message: "user \(row.user) item \(row.item) is not a rating in u.data")
                }
                guard dataset.ratings[k] == row.rating else {
                    throw DataFileError(file: path, line: row.line, field: "rating",
                                        message: "rating \(row.rating) differs from u.data's \(dataset.ratings[k])")
                }
                return k
            }
        }
        return try prefixes.enumerated().map { index, prefix in
            if let only, only != index {
                return Split(train: [], test: [], method: "predefined(\(set))", part: "\(prefix) (not loaded)")
            }
            let train = try rows(folder.appendingPathComponent("\(prefix).base").path)
            let test = try rows(folder.appendingPathComponent("\(prefix).test").path)
            guard Set(train).isDisjoint(with: test) else {
                throw DataFileError(file: folder.appendingPathComponent("\(prefix).test").path, message: "shares ratings with \(prefix).base")
            }
            return Split(train: train.sorted(), test: test.sorted(), method: "predefined(\(set))",
                         part: "\(prefix) (fold \(index + 1)/\(prefixes.count))")
        }
    }
}

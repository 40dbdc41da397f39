import Foundation

/// The adjacency-list format of NGCF and LightGCN (Gowalla, Yelp2018, Amazon-book): `train.txt`
/// and `test.txt`, one line per user, `user item item …`, blank-separated 0-based integer ids,
/// implicit feedback (no ratings, no timestamps). A user's line may list no items.
///
/// The two files are the dataset's fixed split: the dataset holds the train rows (file order) then
/// the test rows, every rating 1 and every timestamp 0, and the returned `Split` has train
/// = 0..<train rows and test = the rest. Users are the ids that start a line in either file;
/// items are the ids listed in either file (for the published files every id from 0 to the
/// largest appears, so dense ids equal the file's ids). Repeated items are kept, like every reader;
/// `user_list.txt` and `item_list.txt` (original ids) are not read.
public enum LightGCNFormat {
    /// Datasets published in this format, by folder name.
    public static let knownDatasets = ["gowalla", "yelp2018", "amazon-book"]

    public static func load(_ name: String, from directory: DataDirectory) throws -> (dataset: Dataset, split: Split) {
        let folder = URL(fileURLWithPath: directory.path).appendingPathComponent(name).path
        for file in ["train.txt", "test.txt"] where !FileManager.default.fileExists(atPath: folder + "/" + file) {
            throw DatasetMissingError(
                dataset: name, lookedIn: folder, origin: directory.origin, missingFile: folder + "/" + file,
                advice: "Put the LightGCN/NGCF files train.txt and test.txt for \(name) (from https://github.com/kuandeng/LightGCN, Data/\(name)/) in \(folder).")
        }
        return try load(trainFile: folder + "/train.txt", testFile: folder + "/test.txt", name: name)
    }

    public static func load(trainFile: String, testFile: String, name: String) throws -> (dataset: Dataset, split: Split) {
        var table = InteractionTable()
        // About 5.7 bytes per id in Gowalla; sized once for both files, so the test rows do not
        // make the columns grow and copy.
        let bytes = [trainFile, testFile].reduce(0) { total, path in
            total + ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
        }
        table.reserve(bytes / 5)
        let trainSHA = try read(trainFile, into: &table)
        let trainCount = table.count
        let testSHA = try read(testFile, into: &table)
        let dataset = table.dataset(name: name, sources: [(name: "train.txt", sha256: trainSHA), (name: "test.txt", sha256: testSHA)])
        let split = Split(train: Array(0..<trainCount), test: Array(trainCount..<dataset.interactionCount),
                          method: "predefined(lightgcn train.txt/test.txt)")
        return (dataset, split)
    }

    private static func read(_ path: String, into table: inout InteractionTable) throws -> String {
        let reader = try RecordReader(path: path, layout: .blanks)
        var lines = 0
        while let record = try reader.next() {
            lines += 1
            let user = table.userIDs.intern(number: Int64(try record.index(0, field: "user")))
            for k in 1..<max(record.count, 1) {
                let item = table.itemIDs.intern(number: Int64(try record.index(k, field: "item \(k)")))
                table.append(user: user, item: item, rating: 1, timestamp: 0)
            }
        }
        let sha = try reader.finish()
        if lines == 0 { throw DataFileError(file: path, message: "the file has no lines") }
        return sha
    }
}

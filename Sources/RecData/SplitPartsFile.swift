import Foundation

/// A split given as a file of part letters, one per interaction in the dataset's own row order
/// (the order of its ratings file): `R` train, `V` validation, `T` test, `-` left out. Lines may be
/// broken anywhere; blank lines and lines starting with `#` are comments.
///
/// It is how another tool's exact split comes in (RecBole's seeded 80/10/10 behind its published
/// quick-start row, exported by scripts/recbole_published_split.py) without copying a single id
/// out of the data folder: the letters mean nothing without the ratings file they index.
/// A comment `# <source file> sha256 <hex>` pins that file; a different file is refused.
public enum SplitPartsFile {
    public static let kind = "parts-file"

    /// The file's three parts over `dataset`'s rows.
    public static func load(path: String, dataset: Dataset) throws -> ThreeWaySplit {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw DataFileError(file: path, message: FileManager.default.fileExists(atPath: path)
                ? "cannot be read as UTF-8 text" : "does not exist (a split parts file: one letter R, V, T or - per interaction)")
        }
        var train: [Int] = [], validation: [Int] = [], test: [Int] = []
        var row = 0
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("#") {
                try checkPin(trimmed, file: path, line: index + 1, dataset: dataset)
                continue
            }
            for (column, letter) in trimmed.enumerated() {
                guard row < dataset.interactionCount else {
                    throw DataFileError(file: path, line: index + 1, field: "column \(column + 1)",
                                        message: "more letters than \(dataset.name)'s \(dataset.interactionCount) interactions")
                }
                switch letter {
                case "R": train.append(row)
                case "V": validation.append(row)
                case "T": test.append(row)
                case "-": break
                default:
                    throw DataFileError(file: path, line: index + 1, field: "column \(column + 1)",
                                        message: "\"\(letter)\" is not a part letter (R train, V validation, T test, - left out)")
                }
                row += 1
            }
        }
        guard row == dataset.interactionCount else {
            throw DataFileError(file: path, message: "\(row) letters for \(dataset.name)'s \(dataset.interactionCount) interactions; "
                                + "a parts file indexes the unfiltered dataset in its file's row order (no [dataset] filters)")
        }
        guard !train.isEmpty, !test.isEmpty else {
            throw DataFileError(file: path, message: "needs at least one R (train) and one T (test) letter")
        }
        let name = URL(fileURLWithPath: path).lastPathComponent
        return ThreeWaySplit(train: train, validation: validation, test: test, method: "\(kind)(\(name))")
    }

    /// Whether the file has a validation part (a `V` outside comments), for checking an experiment
    /// file before any data is read; false when it cannot be read (loading says why).
    public static func hasValidation(path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else { return false }
        return text.split(separator: "\n").contains { !$0.hasPrefix("#") && $0.contains("V") }
    }

    /// `# u.data sha256 <hex>`: the file the letters index must be that one.
    private static func checkPin(_ comment: String, file: String, line: Int, dataset: Dataset) throws {
        let words = comment.dropFirst().split(separator: " ").map(String.init)
        guard words.count == 3, words[1] == "sha256", words[2].count == 64 else { return }
        guard let source = dataset.sourceFiles.first(where: { $0.name == words[0] }) else { return }
        guard source.sha256 == words[2] else {
            throw DataFileError(file: file, line: line, field: "sha256",
                                message: "made for a \(words[0]) with SHA-256 \(words[2]); this one's is \(source.sha256), so the letters would fall on other rows")
        }
    }
}

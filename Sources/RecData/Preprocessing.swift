import Foundation

// Preprocessing steps. Each is pure: it returns a new Dataset and leaves the input alone. Readers
// keep every row of a file; these functions are where rows are merged or dropped, so no filter is
// hidden inside a reader.
//
// Counts are counts of rows (interactions): apply `resolvingDuplicates` first to count distinct
// (user, item) pairs. Surviving rows keep their relative order. Users and items that are dropped
// leave the catalogue and the remaining ones are renumbered densely, still in ascending order of
// original id; their side information moves with them.

/// What to keep of several rows for the same (user, item) pair. As RecBole's `rm_dup_inter`, the
/// rows of a pair are ordered by timestamp (ties by file order) before "first" or "last" is taken.
public enum DuplicatePolicy: String, Sendable, CaseIterable {
    /// The earliest row.
    case first
    /// The latest row.
    case last
    /// One row with the mean rating and the latest timestamp, where the pair first occurs; the
    /// latest timestamp keeps a temporal split from putting a later rating into the past.
    case mean
}

extension Dataset {
    /// One row per (user, item) pair, chosen or merged by `policy`; users and items are unchanged.
    public func resolvingDuplicates(_ policy: DuplicatePolicy) -> Dataset {
        var groupOf = [Int64: Int](minimumCapacity: interactionCount)
        var chosen: [Int] = [], first: [Int] = [], sum: [Double] = [], count: [Int] = [], latest: [Int64] = []
        for k in 0..<interactionCount {
            let key = Int64(users[k]) << 32 | Int64(items[k])
            if let g = groupOf[key] {
                let (t, c) = (timestamps[k], timestamps[chosen[g]])
                switch policy {
                case .first: if t < c { chosen[g] = k }
                case .last, .mean: if t >= c { chosen[g] = k }
                }
                sum[g] += Double(ratings[k])
                count[g] += 1
                latest[g] = Swift.max(latest[g], timestamps[k])
            } else {
                groupOf[key] = chosen.count
                chosen.append(k)
                first.append(k)
                sum.append(Double(ratings[k]))
                count.append(1)
                latest.append(timestamps[k])
            }
        }
        var result = self
        if policy == .mean {
            // Groups are numbered in order of first occurrence, so `first` is already in file order.
            result.users = first.map { users[$0] }
            result.items = first.map { items[$0] }
            result.ratings = sum.indices.map { Float(sum[$0] / Double(count[$0])) }
            result.timestamps = latest
        } else {
            let rows = chosen.sorted()
            result.users = rows.map { users[$0] }
            result.items = rows.map { items[$0] }
            result.ratings = rows.map { ratings[$0] }
            result.timestamps = rows.map { timestamps[$0] }
        }
        return result
    }

    /// Implicit feedback: the rows rated at least `threshold`, each with rating 1; users and items are unchanged.
    public func ratingThreshold(_ threshold: Float) -> Dataset {
        let rows = (0..<interactionCount).filter { ratings[$0] >= threshold }
        var result = self
        result.users = rows.map { users[$0] }
        result.items = rows.map { items[$0] }
        result.ratings = [Float](repeating: 1, count: rows.count)
        result.timestamps = rows.map { timestamps[$0] }
        return result
    }

    /// Iterative k-core: drops users with fewer than `users` rows and items with fewer than `items`
    /// rows, recounting after each round, until every remaining user and item meets its minimum
    /// (0 keeps that side whole, including users or items without rows).
    public func kCore(users minimumPerUser: Int, items minimumPerItem: Int) -> Dataset {
        var keepUser = [Bool](repeating: true, count: userCount)
        var keepItem = [Bool](repeating: true, count: itemCount)
        var alive = Array(0..<interactionCount)
        while true {
            let (perUser, perItem) = counts(of: alive)
            var changed = false
            for u in 0..<userCount where keepUser[u] && perUser[u] < minimumPerUser {
                keepUser[u] = false
                changed = true
            }
            for i in 0..<itemCount where keepItem[i] && perItem[i] < minimumPerItem {
                keepItem[i] = false
                changed = true
            }
            if !changed { break }
            alive = alive.filter { keepUser[Int(users[$0])] && keepItem[Int(items[$0])] }
        }
        return subset(rows: alive, keepUser: keepUser, keepItem: keepItem)
    }

    /// Single-pass minimum counts: keeps users with at least `users` rows and items with at least
    /// `items` rows, both counted once on the input, and the rows between them (a kept user may end
    /// with fewer rows than the minimum; use `kCore` for a guarantee).
    public func minimumCounts(users minimumPerUser: Int, items minimumPerItem: Int) -> Dataset {
        let (perUser, perItem) = counts(of: Array(0..<interactionCount))
        let keepUser = perUser.map { $0 >= minimumPerUser }
        let keepItem = perItem.map { $0 >= minimumPerItem }
        let rows = (0..<interactionCount).filter { keepUser[Int(users[$0])] && keepItem[Int(items[$0])] }
        return subset(rows: rows, keepUser: keepUser, keepItem: keepItem)
    }

    private func counts(of rows: [Int]) -> (perUser: [Int], perItem: [Int]) {
        var perUser = [Int](repeating: 0, count: userCount)
        var perItem = [Int](repeating: 0, count: itemCount)
        for k in rows {
            perUser[Int(users[k])] += 1
            perItem[Int(items[k])] += 1
        }
        return (perUser, perItem)
    }

    /// The given rows over the kept users and items, renumbered densely in the same order.
    func subset(rows: [Int], keepUser: [Bool], keepItem: [Bool]) -> Dataset {
        func renumber(_ keep: [Bool]) -> [Int32] {
            var next: Int32 = 0
            return keep.map { kept in
                defer { if kept { next += 1 } }
                return kept ? next : -1
            }
        }
        let newUser = renumber(keepUser), newItem = renumber(keepItem)
        let userIndices = keepUser.indices.filter { keepUser[$0] }
        let itemIndices = keepItem.indices.filter { keepItem[$0] }
        return Dataset(
            name: name,
            userIDs: userIndices.map { userIDs[$0] }, itemIDs: itemIndices.map { itemIDs[$0] },
            users: rows.map { newUser[Int(users[$0])] }, items: rows.map { newItem[Int(items[$0])] },
            ratings: rows.map { ratings[$0] }, timestamps: rows.map { timestamps[$0] },
            itemTitles: itemIndices.map { itemTitles[$0] }, itemGenres: itemIndices.map { itemGenres[$0] },
            sourceFiles: sourceFiles,
            itemYears: itemIndices.map { itemYears[$0] }, itemTags: itemIndices.map { itemTags[$0] },
            itemAttributes: itemIndices.map { itemAttributes[$0] }, userAttributes: userIndices.map { userAttributes[$0] })
    }
}

import ArgumentParser
import Foundation
import RecLedger

extension Recbench {
    struct ListCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ls",
            abstract: "List the experiment executions in the ledger, newest first, with how their runs went.",
            discussion: "An execution still marked running was interrupted (or is running now); its finished runs are kept.")

        @OptionGroup var common: CommonOptions

        func run() throws {
            guard FileManager.default.fileExists(atPath: common.ledgerPath) else {
                throw fail(ReportErrorMessage("no ledger at \(common.ledgerPath); run an experiment first or pass --ledger FILE"))
            }
            do {
                let executions = try Ledger(path: common.ledgerPath).executions()
                if executions.isEmpty {
                    print("The ledger \(common.ledgerPath) is empty.")
                    return
                }
                print("   ID  " + "EXPERIMENT".padding(32) + "STATUS".padding(25) + "RUNS      STARTED               DATASET")
                for execution in executions {
                    let runs = execution.failed > 0 ? "\(execution.runs) (\(execution.failed) failed)" : "\(execution.runs)"
                    print(String(execution.id).leftPadding(5) + "  " + execution.name.padding(32) + execution.status.padding(25)
                        + runs.padding(10) + execution.startedAt.padding(22) + execution.dataset)
                }
            } catch {
                throw fail(error)
            }
        }
    }
}

struct ReportErrorMessage: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension String {
    func leftPadding(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}

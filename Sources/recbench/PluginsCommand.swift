import ArgumentParser
import Foundation
import RecBench
import RecKit
import RecReport

extension Recbench {
    struct Plugins: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the plugins recbench can find, or show one plugin's hyperparameters.",
            discussion: """
                Plugins are shared libraries (lib<Name>.so) exporting the entry symbol \
                recbench_plugin_v1. They are looked for in every --plugin-dir, then in each folder of \
                RECBENCH_PLUGIN_PATH (colon-separated), then next to the recbench executable. Files that \
                are not loadable plugins are listed with the reason and skipped; if two plugins share a \
                name, the first one found wins.
                """,
            subcommands: [List.self, Show.self],
            defaultSubcommand: List.self)

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "List plugins with version, capabilities and where each was found (the default).")

            @Flag(help: "Print the plugins, skipped files and search path as JSON (and nothing else) on standard output.")
            var json = false

            @OptionGroup var common: CommonOptions

            struct Listing: Encodable {
                struct Plugin: Encodable {
                    var name: String
                    var path: String
                    var manifest: PluginManifest
                }
                struct Skipped: Encodable {
                    var path: String
                    var reason: String
                }
                struct Directory: Encodable {
                    var directory: String
                    var origin: String
                }
                var plugins: [Plugin]
                var skipped: [Skipped]
                var searchPath: [Directory]
            }

            func run() throws {
                let console = Console()
                let searchPath = PluginSearchPath.standard(pluginDirectories: common.pluginDirectories)
                let registry = common.registry(console: console)
                if json {
                    let listing = Listing(
                        plugins: registry.plugins.map { .init(name: $0.name, path: $0.path, manifest: $0.manifest) },
                        skipped: registry.problems.map { .init(path: $0.path, reason: $0.reason) },
                        searchPath: searchPath.entries.map { .init(directory: $0.directory, origin: $0.origin) })
                    do {
                        print(try stableJSON(listing))
                    } catch {
                        throw fail(error)
                    }
                    return
                }
                if registry.plugins.isEmpty {
                    print("No plugins found.")
                } else {
                    let nameWidth = max(6, registry.plugins.map(\.name.count).max()!)
                    let versionWidth = max(7, registry.plugins.map(\.manifest.version.count).max()!)
                    print("PLUGIN".padding(nameWidth) + "  " + "VERSION".padding(versionWidth) + "  CAPABILITIES / DESCRIPTION")
                    for plugin in registry.plugins {
                        let capabilities = plugin.manifest.capabilities.map(\.rawValue).joined(separator: ", ")
                        print(plugin.name.padding(nameWidth) + "  " + plugin.manifest.version.padding(versionWidth) + "  " + capabilities)
                        print(String(repeating: " ", count: nameWidth + versionWidth + 4) + plugin.manifest.description)
                        print(String(repeating: " ", count: nameWidth + versionWidth + 4) + plugin.path)
                    }
                }
                if !registry.problems.isEmpty {
                    print("\nSkipped files:")
                    for problem in registry.problems { print("  \(problem.path)\n    \(problem.reason)") }
                }
                print("\nSearch path:")
                for entry in searchPath.entries { print("  \(entry.directory)  (\(entry.origin))") }
            }
        }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Show a plugin's manifest: description, capabilities and hyperparameter schema.",
                discussion: "Use the parameter names in an experiment file's [models.params] table.")

            @Argument(help: ArgumentHelp("The plugin name, as `recbench plugins` lists it.", valueName: "name"))
            var name: String

            @Flag(help: "Print the plugin's file and manifest as JSON (and nothing else) on standard output.")
            var json = false

            @OptionGroup var common: CommonOptions

            struct Shown: Encodable {
                var path: String
                var manifest: PluginManifest
            }

            func run() throws {
                let registry = common.registry(console: Console())
                guard let plugin = registry.plugin(named: name) else {
                    throw fail(PluginError(registry.missingPluginMessage(name)))
                }
                if json {
                    do {
                        print(try stableJSON(Shown(path: plugin.path, manifest: plugin.manifest)))
                    } catch {
                        throw fail(error)
                    }
                    return
                }
                let manifest = plugin.manifest
                print("\(manifest.name) \(manifest.version) (contract \(manifest.contract))")
                print(manifest.description)
                print("capabilities: \(manifest.capabilities.map(\.rawValue).joined(separator: ", "))")
                // Which optional contract extensions it offers: e.g. whether it takes `components` (a hybrid).
                let extensions = [PluginContract.ratingExtension, PluginContract.epochsExtension, PluginContract.itemFeaturesExtension,
                                  PluginContract.interactionTimesExtension, PluginContract.componentsExtension]
                    .filter { plugin.extensionTable(named: $0) != nil }
                if !extensions.isEmpty { print("extensions: \(extensions.joined(separator: ", "))") }
                print("file: \(plugin.path)")
                print("")
                if manifest.parameters.isEmpty {
                    print("No hyperparameters.")
                    return
                }
                print("Hyperparameters:")
                for parameter in manifest.parameters {
                    print("  \(parameter.name) = \(parameter.defaultValue)    (\(parameter.constraintSummary))")
                    print("      \(parameter.doc)")
                }
                print("\nIn an experiment file:\n  [[models]]\n  plugin = \"\(manifest.name)\"\n  [models.params]")
                for parameter in manifest.parameters { print("  \(parameter.name) = \(parameter.defaultValue)") }
            }
        }
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}

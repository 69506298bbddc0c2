#include "gateway/app/BackupCommand.h"

#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <Poco/Path.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "gateway/app/Gateway.h"
#include "gateway/core/ErrorCode.h"
#include "gateway/core/Hash.h"
#include "gateway/store/IStore.h"

namespace medbridge::app {
namespace {

using core::Error;
using core::ErrorCode;

constexpr const char* kStoreFile = "store/medbridge.db";

struct Options {
  std::string dir;
  std::string config = "config/medbridge.json";
  std::vector<std::string> overrides;
};

bool parseOptions(const std::vector<std::string>& args, const std::string& dirFlag, Options& o) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == dirFlag && i + 1 < args.size())
      o.dir = args[++i];
    else if (args[i] == "--config" && i + 1 < args.size())
      o.config = args[++i];
    else if (args[i] == "--set" && i + 1 < args.size())
      o.overrides.push_back(args[++i]);
    else
      return false;
  }
  return !o.dir.empty();
}

std::string fileHash(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return core::sha256Hex(s.str());
}

bool isEmptyOrMissing(const std::string& dir) {
  Poco::File f(dir);
  if (!f.exists()) return true;
  std::vector<std::string> names;
  f.list(names);
  return names.empty();
}

// Relative paths of the regular files under root (recursively), skipping `skip` (absolute).
void listFiles(const Poco::Path& root, const Poco::Path& dir, const std::string& skip,
               std::vector<std::string>& out) {
  for (Poco::DirectoryIterator it(dir), end; it != end; ++it) {
    Poco::Path p(it.path());
    if (p.absolute().toString().rfind(skip, 0) == 0) continue;
    if (it->isDirectory()) {
      listFiles(root, p, skip, out);
    } else if (it->isFile()) {
      out.push_back(p.toString().substr(root.toString().size()));
    }
  }
}

void copyFile(const std::string& from, const std::string& to) {
  Poco::File(Poco::Path(to).parent()).createDirectories();
  Poco::File(from).copyTo(to);
}

}  // namespace

int runBackup(const std::vector<std::string>& args) {
  Options o;
  if (!parseOptions(args, "--to", o)) {
    std::cerr << "usage: medbridge backup --to DIR [--config FILE] [--set key=value]...\n";
    return 2;
  }
  try {
    core::GatewayConfig config = core::loadConfig(o.config, o.overrides);
    if (!isEmptyOrMissing(o.dir)) throw Error(ErrorCode::BackupTargetNotEmpty, o.dir);
    Poco::Path target(Poco::Path(o.dir).absolute());
    target.makeDirectory();
    Poco::File(target.toString() + "store").createDirectories();
    std::vector<std::string> files{kStoreFile};
    {
      auto store = openStore(config);
      store->snapshotTo(target.toString() + kStoreFile);
    }
    Poco::Path data(Poco::Path(config.dataDir).absolute());
    data.makeDirectory();
    if (Poco::File(data).exists()) {
      std::string db = Poco::Path(storePath(config)).absolute().toString();
      std::vector<std::string> dataFiles;
      listFiles(data, data, db, dataFiles);
      for (const auto& rel : dataFiles) {
        copyFile(data.toString() + rel, target.toString() + "data/" + rel);
        files.push_back("data/" + rel);
      }
    }
    std::ofstream manifest(target.toString() + "manifest.sha256");
    for (const auto& rel : files)
      manifest << fileHash(target.toString() + rel) << "  " << rel << "\n";
    std::cout << "backup of " << files.size() << " files written to " << o.dir << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "medbridge backup: " << e.what() << "\n";
    return 1;
  }
}

int runRestore(const std::vector<std::string>& args) {
  Options o;
  if (!parseOptions(args, "--from", o)) {
    std::cerr << "usage: medbridge restore --from DIR [--config FILE] [--set key=value]...\n";
    return 2;
  }
  try {
    core::GatewayConfig config = core::loadConfig(o.config, o.overrides);
    Poco::Path source(Poco::Path(o.dir).absolute());
    source.makeDirectory();
    std::ifstream manifest(source.toString() + "manifest.sha256");
    if (!manifest) throw Error(ErrorCode::BackupManifestMismatch, "no manifest.sha256 in " + o.dir);
    std::vector<std::string> files;
    std::string line;
    while (std::getline(manifest, line)) {
      if (line.size() < 67) continue;
      std::string hash = line.substr(0, 64), rel = line.substr(66);
      if (!Poco::File(source.toString() + rel).exists() ||
          fileHash(source.toString() + rel) != hash)
        throw Error(ErrorCode::BackupManifestMismatch, rel);
      files.push_back(rel);
    }
    std::string db = storePath(config);
    if (Poco::File(db).exists())
      throw Error(ErrorCode::BackupTargetNotEmpty, "store " + db + " already exists");
    Poco::Path data(Poco::Path(config.dataDir).absolute());
    data.makeDirectory();
    for (const auto& rel : files) {
      if (rel == kStoreFile)
        copyFile(source.toString() + rel, db);
      else if (rel.rfind("data/", 0) == 0)
        copyFile(source.toString() + rel, data.toString() + rel.substr(5));
    }
    openStore(config);  // checks the schema version
    std::cout << "restored " << files.size() << " files from " << o.dir << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "medbridge restore: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace medbridge::app

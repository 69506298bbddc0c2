#include "mappings/tables/Tables.h"

#include <rapidjson/document.h>

#include <mutex>

#include "gateway/core/ErrorCode.h"

namespace medbridge::mappings {

struct TableLoader {
  static CodeTable load(const std::string& name) {
    std::string file = name.substr(0, name.find('/'));
    std::string sub = name.find('/') == std::string::npos ? "" : name.substr(name.find('/') + 1);
    const auto& all = embeddedTables();
    auto it = all.find(file);
    if (it == all.end()) throw core::Error(core::ErrorCode::Internal, "no mapping table " + file);
    rapidjson::Document doc;
    doc.Parse(it->second.c_str());
    if (doc.HasParseError())
      throw core::Error(core::ErrorCode::Internal, "mapping table " + file + " is not JSON");
    const rapidjson::Value* obj = &doc;
    if (!sub.empty()) obj = &doc[sub.c_str()];
    CodeTable t;
    for (const auto& m : obj->GetObject())
      if (m.value.IsString() && m.name.GetString()[0] != '_')
        t.entries_.emplace(m.name.GetString(), m.value.GetString());
    return t;
  }
};

const CodeTable& CodeTable::get(std::string_view name) {
  static std::mutex mutex;
  static std::map<std::string, CodeTable, std::less<>> cache;
  std::lock_guard lock(mutex);
  auto it = cache.find(name);
  if (it == cache.end())
    it = cache.emplace(std::string(name), TableLoader::load(std::string(name))).first;
  return it->second;
}

const std::string& CodeTable::lookup(std::string_view code) const {
  static const std::string kEmpty;
  auto it = entries_.find(code);
  return it == entries_.end() ? kEmpty : it->second;
}

}  // namespace medbridge::mappings

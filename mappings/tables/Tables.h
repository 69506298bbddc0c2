#pragma once

#include <map>
#include <string>
#include <string_view>

namespace medbridge::mappings {

// The JSON vocabulary tables of mappings/tables/, embedded at build time, by file name.
const std::map<std::string, std::string>& embeddedTables();

// A flat code -> code lookup: table "patient-class", or a nested one "order-status/ORC-5".
class CodeTable {
 public:
  static const CodeTable& get(std::string_view name);
  // "" when the code is not in the table.
  const std::string& lookup(std::string_view code) const;
  const std::map<std::string, std::string, std::less<>>& entries() const { return entries_; }

 private:
  std::map<std::string, std::string, std::less<>> entries_;
  friend struct TableLoader;
};

}  // namespace medbridge::mappings

#include "gateway/workflow/ResultRecognition.h"

#include <algorithm>

namespace medbridge::workflow {

bool recognises(const std::string& receiving, const std::string& performing,
                const std::map<std::string, std::vector<std::string>>& matrix) {
  if (receiving.empty() || performing.empty()) return false;
  if (auto row = matrix.find(receiving); row != matrix.end())
    return std::find(row->second.begin(), row->second.end(), performing) != row->second.end();
  return receiving[0] == performing[0];
}

}  // namespace medbridge::workflow

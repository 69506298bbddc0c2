#pragma once

#include <map>
#include <string>
#include <vector>

namespace medbridge::workflow {

// Same-level result recognition (检查结果互认, DOMAIN.md "Two-way referral"): whether an
// institution of level `receiving` recognises a result made at an institution of level
// `performing` (hospital-level codes: 3A … 1C, ungraded). `matrix` (referral.recognisedLevels)
// lists, per receiving level, the performing levels it recognises; a level it does not list
// recognises its own tier (the code's first character: 三级, 二级, 一级, ungraded). An unknown
// level recognises nothing.
bool recognises(const std::string& receiving, const std::string& performing,
                const std::map<std::string, std::vector<std::string>>& matrix);

}  // namespace medbridge::workflow

// Every kind re-checks the names of an entry read back from a backup before Undo/Verify.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tune/kinds.h"

namespace vitals {
namespace {

using ::testing::HasSubstr;

std::string Check(const char* kind, const std::string& name, nlohmann::json old) {
  const ChangeKind* k = FindChangeKind(kind);
  EXPECT_NE(k, nullptr) << kind;
  if (k == nullptr) return "no kind";
  return k->CheckEntry(BackupEntry{kind, k->component(), name, "", std::move(old)});
}

TEST(CheckEntry, PgSettingNames) {
  EXPECT_EQ(Check("pg.setting", "work_mem", {{"auto_conf", "4MB"}}), "");
  EXPECT_EQ(Check("pg.setting", "work_mem", {{"auto_conf", nullptr}}), "");
  EXPECT_THAT(Check("pg.setting", "work_mem = 1; DROP TABLE t", nlohmann::json::object()),
              HasSubstr("is not a setting name"));
  EXPECT_THAT(Check("pg.setting", "primary_conninfo", nlohmann::json::object()),
              HasSubstr("secret-bearing"));
  EXPECT_THAT(Check("pg.setting", "work_mem", {{"auto_conf", 5}}), HasSubstr("not a string"));
}

TEST(CheckEntry, RedisParameterNames) {
  EXPECT_EQ(Check("redis.config", "maxmemory-policy", {{"value", "noeviction"}}), "");
  EXPECT_THAT(Check("redis.config", "requirepass", {{"value", "x"}}), HasSubstr("secret-bearing"));
  EXPECT_THAT(Check("redis.config", "dir /tmp", {{"value", "x"}}),
              HasSubstr("is not a Redis parameter name"));
}

TEST(CheckEntry, SysctlNames) {
  EXPECT_EQ(Check("host.sysctl", "net.core.somaxconn", {{"raw", "128\n"}}), "");
  EXPECT_THAT(Check("host.sysctl", "../../etc/passwd", {{"raw", "x"}}),
              HasSubstr("is not a sysctl name"));
}

TEST(CheckEntry, IndexIdentifiersAndDefinitions) {
  EXPECT_EQ(Check("pg.index", "vitals_t_a_idx",
                  {{"schema", "public"}, {"index", "vitals_t_a_idx"}, {"existed", false}}),
            "");
  EXPECT_THAT(Check("pg.index", "x", {{"schema", ""}, {"index", "x"}}), HasSubstr("schema"));
  EXPECT_THAT(Check("pg.index", std::string(64, 'a'), {{"schema", "public"}}),
              HasSubstr("longer than 63 bytes"));
  const nlohmann::json ok = {{"schema", "public"},
                             {"index", "t_b_idx"},
                             {"definition", "CREATE INDEX t_b_idx ON public.t USING btree (b)"}};
  EXPECT_EQ(Check("pg.index_drop", "drop public.t_b_idx", ok), "");
  nlohmann::json evil = ok;
  evil["definition"] = "CREATE INDEX t_b_idx ON public.t (b); DROP TABLE public.t";
  EXPECT_THAT(Check("pg.index_drop", "drop public.t_b_idx", evil),
              HasSubstr("not one plain CREATE INDEX"));
  evil["definition"] = "DROP TABLE public.t";
  EXPECT_THAT(Check("pg.index_drop", "drop public.t_b_idx", evil),
              HasSubstr("not one plain CREATE INDEX"));
  EXPECT_EQ(Check("pg.reindex", "reindex \"public\".\"t_b_idx\"", {}), "");
  EXPECT_EQ(Check("pg.vacuum", "vacuum public.t", {}), "");
}

}  // namespace
}  // namespace vitals

#include "tune/secret_params.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace vitals {
namespace {

using ::testing::HasSubstr;

TEST(SecretParams, RedisPasswordsAreSecret) {
  for (const char* n : {"requirepass", "masterauth", "tls-key-file-pass",
                        "tls-client-key-file-pass", "REQUIREPASS", "some-future-pass"}) {
    EXPECT_TRUE(IsSecretBearingParameter("redis", n)) << n;
  }
  for (const char* n : {"maxmemory", "masteruser", "maxmemory-policy", "slowlog-max-len"}) {
    EXPECT_FALSE(IsSecretBearingParameter("redis", n)) << n;
  }
}

TEST(SecretParams, PostgresConninfoAndPasswordsAreSecret) {
  for (const char* n : {"primary_conninfo", "ssl_passphrase_command", "password_encryption",
                        "ssl_passphrase_command_supports_reload", "myext.conninfo"}) {
    EXPECT_TRUE(IsSecretBearingParameter("postgres", n)) << n;
  }
  for (const char* n : {"work_mem", "shared_buffers", "primary_slot_name"}) {
    EXPECT_FALSE(IsSecretBearingParameter("postgres", n)) << n;
  }
  EXPECT_FALSE(IsSecretBearingParameter("host", "net.core.somaxconn"));
}

TEST(SecretParams, RefusalSaysWhatAndWhy) {
  const std::string m = SecretParameterRefusal("redis", "requirepass");
  EXPECT_THAT(m, HasSubstr("--set redis:requirepass"));
  EXPECT_THAT(m, HasSubstr("does not change secret-bearing parameters (requirepass)"));
  EXPECT_THAT(m, HasSubstr("change it yourself; a backup would have to store the secret"));
}

}  // namespace
}  // namespace vitals

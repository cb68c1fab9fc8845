// Only the header matters: it declares libFuzzer's driver for Swift. libFuzzer itself is linked
// by `-sanitize=fuzzer`.
#include "CFuzzerDriver.h"

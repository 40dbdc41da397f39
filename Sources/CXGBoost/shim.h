// XGBoost's C API (Debian: libxgboost-dev, installed by scripts/install-deps.sh). Only the
// TwoStage plugin imports this module, so only libTwoStage.so links libxgboost.
#ifndef RECBENCH_CXGBOOST_SHIM_H
#define RECBENCH_CXGBOOST_SHIM_H
#include <xgboost/c_api.h>
#endif

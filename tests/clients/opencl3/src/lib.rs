//! Empty: the client test lives in tests/.

! iso_c_binding interfaces to the insitu C API (include/insitu/insitu.h), used by module insitu
! and available to programs that need a call the Fortran types do not wrap. Enum values and
! signatures match insitu.h; strings are passed as character arrays plus a length.
module insitu_c_api
  use iso_c_binding
  implicit none
  public

  ! SRError
  integer(c_int), parameter :: SRNoError = 0, SRBadAllocError = 1, SRDatabaseError = 2, &
    SRInternalError = 3, SRRuntimeError = 4, SRParameterError = 5, SRTimeoutError = 6, &
    SRKeyError = 7, SRInvalidError = 8, SRTypeError = 9
  ! SRTensorType
  integer(c_int), parameter :: SRTensorTypeInvalid = 0, SRTensorTypeDouble = 1, &
    SRTensorTypeFloat = 2, SRTensorTypeInt8 = 3, SRTensorTypeInt16 = 4, SRTensorTypeInt32 = 5, &
    SRTensorTypeInt64 = 6, SRTensorTypeUint8 = 7, SRTensorTypeUint16 = 8
  ! SRMemoryLayout
  integer(c_int), parameter :: SRMemLayoutInvalid = 0, SRMemLayoutNested = 1, &
    SRMemLayoutContiguous = 2, SRMemLayoutFortranNested = 3, SRMemLayoutFortranContiguous = 4

  interface
    function c_get_last_error() bind(c, name="SRGetLastError")
      import :: c_ptr
      type(c_ptr) :: c_get_last_error
    end function
    function c_get_last_error_location() bind(c, name="SRGetLastErrorLocation")
      import :: c_ptr
      type(c_ptr) :: c_get_last_error_location
    end function
    subroutine c_free_buffer(buffer) bind(c, name="SRFreeBuffer")
      import :: c_ptr
      type(c_ptr), value :: buffer
    end subroutine

    ! ---- ConfigOptions
    function c_create_configoptions_from_environment(suffix, suffix_len, cfg) &
        bind(c, name="create_configoptions_from_environment")
      import :: c_int, c_char, c_size_t, c_ptr
      character(kind=c_char), intent(in) :: suffix(*)
      integer(c_size_t), value :: suffix_len
      type(c_ptr) :: cfg
      integer(c_int) :: c_create_configoptions_from_environment
    end function
    function c_delete_configoptions(cfg) bind(c, name="DeleteConfigOptions")
      import :: c_int, c_ptr
      type(c_ptr) :: cfg
      integer(c_int) :: c_delete_configoptions
    end function
    function c_get_integer_option(cfg, name, name_len, result) bind(c, name="get_integer_option")
      import :: c_int, c_char, c_size_t, c_ptr, c_int64_t
      type(c_ptr), value :: cfg
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      integer(c_int64_t) :: result
      integer(c_int) :: c_get_integer_option
    end function
    function c_get_string_option(cfg, name, name_len, result, result_len) &
        bind(c, name="get_string_option")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: cfg
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      type(c_ptr) :: result
      integer(c_size_t) :: result_len
      integer(c_int) :: c_get_string_option
    end function
    function c_is_configured(cfg, name, name_len, result) bind(c, name="is_configured")
      import :: c_int, c_char, c_size_t, c_ptr, c_bool
      type(c_ptr), value :: cfg
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      logical(c_bool) :: result
      integer(c_int) :: c_is_configured
    end function
    function c_override_integer_option(cfg, name, name_len, value) &
        bind(c, name="override_integer_option")
      import :: c_int, c_char, c_size_t, c_ptr, c_int64_t
      type(c_ptr), value :: cfg
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      integer(c_int64_t), value :: value
      integer(c_int) :: c_override_integer_option
    end function
    function c_override_string_option(cfg, name, name_len, value, value_len) &
        bind(c, name="override_string_option")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: cfg
      character(kind=c_char), intent(in) :: name(*), value(*)
      integer(c_size_t), value :: name_len, value_len
      integer(c_int) :: c_override_string_option
    end function

    ! ---- clients
    function c_simple_create_client(logger, logger_len, client) bind(c, name="SimpleCreateClient")
      import :: c_int, c_char, c_size_t, c_ptr
      character(kind=c_char), intent(in) :: logger(*)
      integer(c_size_t), value :: logger_len
      type(c_ptr) :: client
      integer(c_int) :: c_simple_create_client
    end function
    function c_create_client(cfg, logger, logger_len, client) bind(c, name="CreateClient")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: cfg
      character(kind=c_char), intent(in) :: logger(*)
      integer(c_size_t), value :: logger_len
      type(c_ptr) :: client
      integer(c_int) :: c_create_client
    end function
    function c_smartredis_client(cluster, logger, logger_len, client) &
        bind(c, name="SmartRedisCClient")
      import :: c_int, c_char, c_size_t, c_ptr, c_bool
      logical(c_bool), value :: cluster
      character(kind=c_char), intent(in) :: logger(*)
      integer(c_size_t), value :: logger_len
      type(c_ptr) :: client
      integer(c_int) :: c_smartredis_client
    end function
    function c_delete_client(client) bind(c, name="DeleteCClient")
      import :: c_int, c_ptr
      type(c_ptr) :: client
      integer(c_int) :: c_delete_client
    end function

    ! ---- tensors
    function c_put_tensor(client, name, name_len, data, dims, n_dims, type, layout) &
        bind(c, name="put_tensor")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client, data
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len, n_dims
      integer(c_size_t), intent(in) :: dims(*)
      integer(c_int), value :: type, layout
      integer(c_int) :: c_put_tensor
    end function
    function c_unpack_tensor(client, name, name_len, data, dims, n_dims, type, layout) &
        bind(c, name="unpack_tensor")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client, data
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len, n_dims
      integer(c_size_t), intent(in) :: dims(*)
      integer(c_int), value :: type, layout
      integer(c_int) :: c_unpack_tensor
    end function
    ! The batch calls: parallel arrays of n items (names as pointers + lengths).
    function c_put_tensors(client, names, name_lens, data, dims, n_dims, types, n, layout, &
        item_errors) bind(c, name="put_tensors")
      import :: c_int, c_size_t, c_ptr
      type(c_ptr), value :: client
      type(c_ptr), intent(in) :: names(*), data(*), dims(*)
      integer(c_size_t), intent(in) :: name_lens(*), n_dims(*)
      integer(c_int), intent(in) :: types(*)
      integer(c_size_t), value :: n
      integer(c_int), value :: layout
      integer(c_int), intent(out) :: item_errors(*)
      integer(c_int) :: c_put_tensors
    end function
    function c_unpack_tensors(client, names, name_lens, results, dims, n_dims, types, n, layout, &
        item_errors) bind(c, name="unpack_tensors")
      import :: c_int, c_size_t, c_ptr
      type(c_ptr), value :: client
      type(c_ptr), intent(in) :: names(*), results(*), dims(*)
      integer(c_size_t), intent(in) :: name_lens(*), n_dims(*)
      integer(c_int), intent(in) :: types(*)
      integer(c_size_t), value :: n
      integer(c_int), value :: layout
      integer(c_int), intent(out) :: item_errors(*)
      integer(c_int) :: c_unpack_tensors
    end function
    function c_rename_tensor(client, src, src_len, dst, dst_len) bind(c, name="rename_tensor")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: src(*), dst(*)
      integer(c_size_t), value :: src_len, dst_len
      integer(c_int) :: c_rename_tensor
    end function
    function c_copy_tensor(client, src, src_len, dst, dst_len) bind(c, name="copy_tensor")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: src(*), dst(*)
      integer(c_size_t), value :: src_len, dst_len
      integer(c_int) :: c_copy_tensor
    end function
    function c_delete_tensor(client, name, name_len) bind(c, name="delete_tensor")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      integer(c_int) :: c_delete_tensor
    end function
    function c_tensor_exists(client, name, name_len, exists) bind(c, name="tensor_exists")
      import :: c_int, c_char, c_size_t, c_ptr, c_bool
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      logical(c_bool) :: exists
      integer(c_int) :: c_tensor_exists
    end function
    function c_poll_tensor(client, name, name_len, freq_ms, tries, exists) &
        bind(c, name="poll_tensor")
      import :: c_int, c_char, c_size_t, c_ptr, c_bool
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      integer(c_int), value :: freq_ms, tries
      logical(c_bool) :: exists
      integer(c_int) :: c_poll_tensor
    end function

    ! ---- keys and prefixes
    function c_key_exists(client, key, key_len, exists) bind(c, name="key_exists")
      import :: c_int, c_char, c_size_t, c_ptr, c_bool
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: key(*)
      integer(c_size_t), value :: key_len
      logical(c_bool) :: exists
      integer(c_int) :: c_key_exists
    end function
    function c_poll_key(client, key, key_len, freq_ms, tries, exists) bind(c, name="poll_key")
      import :: c_int, c_char, c_size_t, c_ptr, c_bool
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: key(*)
      integer(c_size_t), value :: key_len
      integer(c_int), value :: freq_ms, tries
      logical(c_bool) :: exists
      integer(c_int) :: c_poll_key
    end function
    function c_set_data_source(client, source, source_len) bind(c, name="set_data_source")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: source(*)
      integer(c_size_t), value :: source_len
      integer(c_int) :: c_set_data_source
    end function
    function c_use_tensor_ensemble_prefix(client, use) bind(c, name="use_tensor_ensemble_prefix")
      import :: c_int, c_ptr, c_bool
      type(c_ptr), value :: client
      logical(c_bool), value :: use
      integer(c_int) :: c_use_tensor_ensemble_prefix
    end function
    function c_use_dataset_ensemble_prefix(client, use) &
        bind(c, name="use_dataset_ensemble_prefix")
      import :: c_int, c_ptr, c_bool
      type(c_ptr), value :: client
      logical(c_bool), value :: use
      integer(c_int) :: c_use_dataset_ensemble_prefix
    end function
    function c_use_model_ensemble_prefix(client, use) bind(c, name="use_model_ensemble_prefix")
      import :: c_int, c_ptr, c_bool
      type(c_ptr), value :: client
      logical(c_bool), value :: use
      integer(c_int) :: c_use_model_ensemble_prefix
    end function
    function c_use_list_ensemble_prefix(client, use) bind(c, name="use_list_ensemble_prefix")
      import :: c_int, c_ptr, c_bool
      type(c_ptr), value :: client
      logical(c_bool), value :: use
      integer(c_int) :: c_use_list_ensemble_prefix
    end function
  end interface
end module insitu_c_api

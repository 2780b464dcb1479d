! Fortran module insitu: SmartRedis's Fortran client API over the insitu C API.
!
!   use insitu
!   type(client_type) :: client
!   if (client%initialize("my_logger") /= SRNoError) stop get_last_error()
!   code = client%put_tensor("t", array)        ! int8/16/32/64, real32/64, rank 1 to 4
!   code = client%unpack_tensor("t", array)
!   code = client%put_tensors(names, [tensor_view(a), tensor_view(b)])  ! many per round trip
!   code = client%destructor()
!
! Datasets (dataset_type, module insitu_dataset), aggregation lists, models, scripts, polling,
! prefixing and the administration calls follow SmartRedis's Fortran names; see the procedures'
! comments for the few argument differences (results read back are allocatable copies).
!
! Every procedure returns an integer error code (SRNoError = 0); get_last_error() gives the text.
! Arrays are column-major in Fortran and stored row-major with the same extents, so an array
! a(3,4) is read as a 3x4 tensor with t[i-1][j-1] = a(i,j) by C, C++ and Python. A client or
! configoptions object holds C resources until its destructor is called (no finalizer: a copied
! object would release them twice).
module insitu
  use iso_c_binding
  use iso_fortran_env, only: int8, int16, int32, int64, real32, real64
  use insitu_c_api
  use insitu_c_datasets
  use insitu_c_models
  use insitu_dataset
  use insitu_errors
  use insitu_util
  implicit none
  private

  public :: client_type, configoptions_type, dataset_type, tensor_view_type, tensor_view
  public :: SRTensorTypeInvalid, SRTensorTypeDouble, SRTensorTypeFloat, SRTensorTypeInt8, &
    SRTensorTypeInt16, SRTensorTypeInt32, SRTensorTypeInt64, SRTensorTypeUint8, SRTensorTypeUint16
  public :: SRMetadataTypeInvalid, SRMetadataTypeDouble, SRMetadataTypeFloat, &
    SRMetadataTypeInt32, SRMetadataTypeInt64, SRMetadataTypeUint32, SRMetadataTypeUint64, &
    SRMetadataTypeString
  public :: get_last_error, get_last_error_location
  public :: SRNoError, SRBadAllocError, SRDatabaseError, SRInternalError, SRRuntimeError, &
    SRParameterError, SRTimeoutError, SRKeyError, SRInvalidError, SRTypeError

  !> Client configuration read from the environment (optionally "<NAME>_<suffix>").
  type :: configoptions_type
    private
    type(c_ptr) :: ptr = c_null_ptr
  contains
    procedure :: create_configoptions_from_environment
    procedure :: get_integer_option
    procedure :: get_string_option
    procedure :: is_configured
    procedure :: override_integer_option
    procedure :: override_string_option
    procedure :: destructor => configoptions_destructor
  end type

  !> One tensor of run_model_inline, put_tensors or unpack_tensors: a Fortran array's address,
  !> extents and type, made by tensor_view(array).
  !> The extents are a fixed array, not an allocatable one: gfortran never frees allocatable
  !> components of the temporaries in [tensor_view(x), ...] (valgrind saw each view leak).
  type :: tensor_view_type
    type(c_ptr) :: ptr = c_null_ptr
    integer(c_size_t), dimension(4) :: dims = 0
    integer(c_size_t) :: n_dims = 0
    integer(c_int) :: type = SRTensorTypeInvalid
  end type

  !> tensor_view(array): the view of an int8/16/32/64 or real32/64 array of rank 1 to 4.
  interface tensor_view
    include "insitu_tensor_views.inc"
  end interface

  type :: client_type
    private
    type(c_ptr) :: ptr = c_null_ptr
  contains
    generic :: initialize => initialize_simple, initialize_cluster, initialize_configoptions
    procedure, private :: initialize_simple, initialize_cluster, initialize_configoptions
    procedure :: isinitialized
    procedure :: destructor
    include "insitu_tensor_bindings.inc"
    procedure :: put_tensors
    procedure :: unpack_tensors
    procedure :: rename_tensor
    procedure :: copy_tensor
    procedure :: delete_tensor
    procedure :: tensor_exists
    procedure :: poll_tensor
    procedure :: key_exists
    procedure :: poll_key
    procedure :: set_data_source
    procedure :: use_tensor_ensemble_prefix
    procedure :: use_dataset_ensemble_prefix
    procedure :: use_model_ensemble_prefix
    procedure :: use_list_ensemble_prefix
    ! datasets and lists (client_datasets.fi)
    procedure :: put_dataset
    procedure :: get_dataset
    procedure :: rename_dataset
    procedure :: copy_dataset
    procedure :: delete_dataset
    procedure :: dataset_exists
    procedure :: poll_dataset
    procedure :: append_to_list
    procedure :: delete_list
    procedure :: copy_list
    procedure :: rename_list
    procedure :: get_list_length
    procedure :: poll_list_length
    procedure :: poll_list_length_gte
    procedure :: poll_list_length_lte
    procedure :: get_datasets_from_list
    procedure :: get_dataset_list_range
    ! models, scripts, administration (client_models.fi)
    procedure :: set_model
    procedure :: set_model_from_file
    procedure :: set_model_multigpu
    procedure :: get_model
    procedure :: run_model
    procedure :: run_model_inline
    procedure :: run_model_multigpu
    procedure :: delete_model
    procedure :: delete_model_multigpu
    procedure :: model_exists
    procedure :: poll_model
    procedure :: set_model_chunk_size
    procedure :: set_script
    procedure :: set_script_from_file
    procedure :: set_script_multigpu
    procedure :: get_script
    procedure :: run_script
    procedure :: run_script_multigpu
    procedure :: delete_script
    procedure :: delete_script_multigpu
    procedure :: get_db_node_info
    procedure :: get_db_cluster_info
    procedure :: config_get
    procedure :: config_set
    procedure :: flush_db
    procedure :: save
  end type

contains

  ! ---- configoptions_type --------------------------------------------------------------------

  function create_configoptions_from_environment(self, db_suffix) result(code)
    class(configoptions_type), intent(inout) :: self
    character(len=*), intent(in) :: db_suffix
    integer :: code
    call clear_fortran_error()
    if (c_associated(self%ptr)) then
      code = fortran_error("configoptions already created", "create_configoptions_from_environment")
      return
    end if
    code = c_create_configoptions_from_environment(db_suffix, len_trim(db_suffix, kind=c_size_t), &
      self%ptr)
  end function

  function get_integer_option(self, option_name, result) result(code)
    class(configoptions_type), intent(in) :: self
    character(len=*), intent(in) :: option_name
    integer(int64), intent(out) :: result
    integer :: code
    integer(c_int64_t) :: value
    call clear_fortran_error()
    value = 0
    code = c_get_integer_option(self%ptr, option_name, len_trim(option_name, kind=c_size_t), value)
    result = value
  end function

  function get_string_option(self, option_name, result) result(code)
    class(configoptions_type), intent(in) :: self
    character(len=*), intent(in) :: option_name
    character(len=:), allocatable, intent(out) :: result
    integer :: code
    type(c_ptr) :: buffer
    integer(c_size_t) :: length
    call clear_fortran_error()
    buffer = c_null_ptr
    code = c_get_string_option(self%ptr, option_name, len_trim(option_name, kind=c_size_t), buffer, &
      length)
    result = c_to_fortran_string(buffer)
    call c_free_buffer(buffer)  ! the C API hands the copy to the caller
  end function

  function is_configured(self, option_name, result) result(code)
    class(configoptions_type), intent(in) :: self
    character(len=*), intent(in) :: option_name
    logical, intent(out) :: result
    integer :: code
    logical(c_bool) :: set
    call clear_fortran_error()
    set = .false.
    code = c_is_configured(self%ptr, option_name, len_trim(option_name, kind=c_size_t), set)
    result = set
  end function

  function override_integer_option(self, option_name, value) result(code)
    class(configoptions_type), intent(in) :: self
    character(len=*), intent(in) :: option_name
    integer(int64), intent(in) :: value
    integer :: code
    call clear_fortran_error()
    code = c_override_integer_option(self%ptr, option_name, len_trim(option_name, kind=c_size_t), &
      int(value, c_int64_t))
  end function

  function override_string_option(self, option_name, value) result(code)
    class(configoptions_type), intent(in) :: self
    character(len=*), intent(in) :: option_name, value
    integer :: code
    call clear_fortran_error()
    code = c_override_string_option(self%ptr, option_name, len_trim(option_name, kind=c_size_t), &
      value, len_trim(value, kind=c_size_t))
  end function

  function configoptions_destructor(self) result(code)
    class(configoptions_type), intent(inout) :: self
    integer :: code
    call clear_fortran_error()
    code = c_delete_configoptions(self%ptr)
  end function

  ! ---- client construction -----------------------------------------------------------------

  !> A client configured from the environment (SSDB, SR_DB_TYPE, ...).
  function initialize_simple(self, logger_name) result(code)
    class(client_type), intent(inout) :: self
    character(len=*), optional, intent(in) :: logger_name
    integer :: code
    call clear_fortran_error()
    if (c_associated(self%ptr)) then
      code = fortran_error("client already initialized", "initialize")
    else if (present(logger_name)) then
      code = c_simple_create_client(logger_name, len_trim(logger_name, kind=c_size_t), self%ptr)
    else
      code = c_simple_create_client("default", 7_c_size_t, self%ptr)
    end if
  end function

  !> SmartRedis's deprecated form: `cluster` overrides SR_DB_TYPE.
  function initialize_cluster(self, cluster, logger_name) result(code)
    class(client_type), intent(inout) :: self
    logical, intent(in) :: cluster
    character(len=*), optional, intent(in) :: logger_name
    integer :: code
    call clear_fortran_error()
    if (c_associated(self%ptr)) then
      code = fortran_error("client already initialized", "initialize")
    else if (present(logger_name)) then
      code = c_smartredis_client(logical(cluster, c_bool), logger_name, &
        len_trim(logger_name, kind=c_size_t), self%ptr)
    else
      code = c_smartredis_client(logical(cluster, c_bool), "default", 7_c_size_t, self%ptr)
    end if
  end function

  !> A client configured from `configoptions` (which may be destroyed afterwards).
  function initialize_configoptions(self, configoptions, logger_name) result(code)
    class(client_type), intent(inout) :: self
    type(configoptions_type), intent(in) :: configoptions
    character(len=*), optional, intent(in) :: logger_name
    integer :: code
    call clear_fortran_error()
    if (c_associated(self%ptr)) then
      code = fortran_error("client already initialized", "initialize")
    else if (present(logger_name)) then
      code = c_create_client(configoptions%ptr, logger_name, len_trim(logger_name, kind=c_size_t), &
        self%ptr)
    else
      code = c_create_client(configoptions%ptr, "default", 7_c_size_t, self%ptr)
    end if
  end function

  logical function isinitialized(self)
    class(client_type), intent(in) :: self
    isinitialized = c_associated(self%ptr)
  end function

  !> Closes the connections and releases the client; it may be initialized again afterwards.
  function destructor(self) result(code)
    class(client_type), intent(inout) :: self
    integer :: code
    call clear_fortran_error()
    code = c_delete_client(self%ptr)
  end function

  ! ---- tensors -------------------------------------------------------------------------------

  include "insitu_tensor_procedures.inc"

  function rename_tensor(self, old_name, new_name) result(code)
    class(client_type), intent(in) :: self
    character(len=*), intent(in) :: old_name, new_name
    integer :: code
    call clear_fortran_error()
    code = c_rename_tensor(self%ptr, old_name, len_trim(old_name, kind=c_size_t), new_name, &
      len_trim(new_name, kind=c_size_t))
  end function

  function copy_tensor(self, src_name, dest_name) result(code)
    class(client_type), intent(in) :: self
    character(len=*), intent(in) :: src_name, dest_name
    integer :: code
    call clear_fortran_error()
    code = c_copy_tensor(self%ptr, src_name, len_trim(src_name, kind=c_size_t), dest_name, &
      len_trim(dest_name, kind=c_size_t))
  end function

  function delete_tensor(self, name) result(code)
    class(client_type), intent(in) :: self
    character(len=*), intent(in) :: name
    integer :: code
    call clear_fortran_error()
    code = c_delete_tensor(self%ptr, name, len_trim(name, kind=c_size_t))
  end function

  function tensor_exists(self, name, exists) result(code)
    class(client_type), intent(in) :: self
    character(len=*), intent(in) :: name
    logical, intent(out) :: exists
    integer :: code
    logical(c_bool) :: found
    call clear_fortran_error()
    found = .false.
    code = c_tensor_exists(self%ptr, name, len_trim(name, kind=c_size_t), found)
    exists = found
  end function

  function poll_tensor(self, name, poll_frequency_ms, num_tries, exists) result(code)
    class(client_type), intent(in) :: self
    character(len=*), intent(in) :: name
    integer, intent(in) :: poll_frequency_ms, num_tries
    logical, intent(out) :: exists
    integer :: code
    logical(c_bool) :: found
    call clear_fortran_error()
    found = .false.
    code = c_poll_tensor(self%ptr, name, len_trim(name, kind=c_size_t), int(poll_frequency_ms, c_int), &
      int(num_tries, c_int), found)
    exists = found
  end function

  ! ---- keys (no prefix applied) and prefixing ------------------------------------------------

  function key_exists(self, key, exists) result(code)
    class(client_type), intent(in) :: self
    character(len=*), intent(in) :: key
    logical, intent(out) :: exists
    integer :: code
    logical(c_bool) :: found
    call clear_fortran_error()
    found = .false.
    code = c_key_exists(self%ptr, key, len_trim(key, kind=c_size_t), found)
    exists = found
  end function

  function poll_key(self, key, poll_frequency_ms, num_tries, exists) result(code)
    class(client_type), intent(in) :: self
    character(len=*), intent(in) :: key
    integer, intent(in) :: poll_frequency_ms, num_tries
    logical, intent(out) :: exists
    integer :: code
    logical(c_bool) :: found
    call clear_fortran_error()
    found = .false.
    code = c_poll_key(self%ptr, key, len_trim(key, kind=c_size_t), int(poll_frequency_ms, c_int), &
      int(num_tries, c_int), found)
    exists = found
  end function

  function set_data_source(self, source_id) result(code)
    class(client_type), intent(in) :: self
    character(len=*), intent(in) :: source_id
    integer :: code
    call clear_fortran_error()
    code = c_set_data_source(self%ptr, source_id, len_trim(source_id, kind=c_size_t))
  end function

  function use_tensor_ensemble_prefix(self, use_prefix) result(code)
    class(client_type), intent(in) :: self
    logical, intent(in) :: use_prefix
    integer :: code
    call clear_fortran_error()
    code = c_use_tensor_ensemble_prefix(self%ptr, logical(use_prefix, c_bool))
  end function

  function use_dataset_ensemble_prefix(self, use_prefix) result(code)
    class(client_type), intent(in) :: self
    logical, intent(in) :: use_prefix
    integer :: code
    call clear_fortran_error()
    code = c_use_dataset_ensemble_prefix(self%ptr, logical(use_prefix, c_bool))
  end function

  function use_model_ensemble_prefix(self, use_prefix) result(code)
    class(client_type), intent(in) :: self
    logical, intent(in) :: use_prefix
    integer :: code
    call clear_fortran_error()
    code = c_use_model_ensemble_prefix(self%ptr, logical(use_prefix, c_bool))
  end function

  function use_list_ensemble_prefix(self, use_prefix) result(code)
    class(client_type), intent(in) :: self
    logical, intent(in) :: use_prefix
    integer :: code
    call clear_fortran_error()
    code = c_use_list_ensemble_prefix(self%ptr, logical(use_prefix, c_bool))
  end function

  include "client_batch.fi"
  include "client_datasets.fi"
  include "client_models.fi"

end module insitu

! Fortran dataset_type: a named bundle of tensors and metadata, over the C API's CDataSet handle.
!
!   type(dataset_type) :: ds
!   code = ds%initialize("step_1")
!   code = ds%add_tensor("u", u)                   ! any kind and rank put_tensor takes
!   code = ds%add_meta_scalar("time", 0.5_real64)  ! int32, int64, real32, real64; appends
!   code = ds%add_meta_string("units", "m/s")
!   code = client%put_dataset(ds)
!   code = ds%destructor()                          ! releases the C handle (no finalizer)
!
! Metadata and names read back are copies owned by the caller (allocatable arrays). The handle is
! released only by destructor(): a finalizer would free it twice after an assignment copied the
! object, so there is none, and a dataset must not be copied while another copy is still used.
module insitu_dataset
  use iso_c_binding
  use iso_fortran_env, only: int8, int16, int32, int64, real32, real64
  use insitu_c_api, only: SRTensorTypeInt8, SRTensorTypeInt16, SRTensorTypeInt32, &
    SRTensorTypeInt64, SRTensorTypeFloat, SRTensorTypeDouble, SRMemLayoutFortranContiguous, &
    SRNoError, SRTypeError
  use insitu_c_datasets
  use insitu_errors
  use insitu_util
  implicit none
  private

  public :: dataset_type, dataset_c_handle, dataset_adopt_handle

  type :: dataset_type
    private
    type(c_ptr) :: ptr = c_null_ptr
  contains
    procedure :: initialize => dataset_initialize
    procedure :: isinitialized => dataset_isinitialized
    procedure :: destructor => dataset_destructor
    include "insitu_dataset_bindings.inc"
    generic :: add_meta_scalar => add_meta_scalar_i32, add_meta_scalar_i64, &
      add_meta_scalar_r32, add_meta_scalar_r64
    procedure, private :: add_meta_scalar_i32, add_meta_scalar_i64, add_meta_scalar_r32, &
      add_meta_scalar_r64
    generic :: get_meta_scalars => get_meta_scalars_i32, get_meta_scalars_i64, &
      get_meta_scalars_r32, get_meta_scalars_r64
    procedure, private :: get_meta_scalars_i32, get_meta_scalars_i64, get_meta_scalars_r32, &
      get_meta_scalars_r64
    procedure :: add_meta_string
    procedure :: get_meta_strings
    procedure :: has_field
    procedure :: clear_field
    procedure :: get_tensor_names
    procedure :: get_metadata_field_names
    procedure :: get_tensor_type
    procedure :: get_metadata_field_type
    procedure :: get_tensor_dims
  end type

contains

  !> The C handle (null when not initialized), for the client's dataset and list calls.
  type(c_ptr) function dataset_c_handle(dataset)
    type(dataset_type), intent(in) :: dataset
    dataset_c_handle = dataset%ptr
  end function

  !> Makes `dataset` own the C handle `handle`, releasing the one it held.
  subroutine dataset_adopt_handle(dataset, handle)
    class(dataset_type), intent(inout) :: dataset
    type(c_ptr), intent(in) :: handle
    integer(c_int) :: ignored
    if (c_associated(dataset%ptr)) ignored = c_deallocate_dataset(dataset%ptr)
    dataset%ptr = handle
  end subroutine

  !> A new, empty dataset called `name`. A dataset that already holds one is released first.
  function dataset_initialize(self, name) result(code)
    class(dataset_type), intent(inout) :: self
    character(len=*), intent(in) :: name
    integer :: code
    type(c_ptr) :: handle
    call clear_fortran_error()
    handle = c_null_ptr
    code = c_create_dataset(name, len_trim(name, kind=c_size_t), handle)
    if (code == SRNoError) call dataset_adopt_handle(self, handle)
  end function

  logical function dataset_isinitialized(self)
    class(dataset_type), intent(in) :: self
    dataset_isinitialized = c_associated(self%ptr)
  end function

  !> Releases the dataset's memory; calling it again (or on a dataset never initialized) is a no-op.
  function dataset_destructor(self) result(code)
    class(dataset_type), intent(inout) :: self
    integer :: code
    call clear_fortran_error()
    code = c_deallocate_dataset(self%ptr)
  end function

  include "insitu_dataset_procedures.inc"

  ! ---- metadata scalars (each call appends one value to the field) ------------------------------

  function add_scalar(self, name, value, type) result(code)
    class(dataset_type), intent(in) :: self
    character(len=*), intent(in) :: name
    type(c_ptr), intent(in) :: value
    integer(c_int), intent(in) :: type
    integer :: code
    call clear_fortran_error()
    code = c_add_meta_scalar(self%ptr, name, len_trim(name, kind=c_size_t), value, type)
  end function

  function add_meta_scalar_i32(self, name, meta) result(code)
    class(dataset_type), intent(in) :: self
    character(len=*), intent(in) :: name
    integer(int32), target, intent(in) :: meta
    integer :: code
    code = add_scalar(self, name, c_loc(meta), SRMetadataTypeInt32)
  end function

  function add_meta_scalar_i64(self, name, meta) result(code)
    class(dataset_type), intent(in) :: self
    character(len=*), intent(in) :: name
    integer(int64), target, intent(in) :: meta
    integer :: code
    code = add_scalar(self, name, c_loc(meta), SRMetadataTypeInt64)
  end function

  function add_meta_scalar_r32(self, name, meta) result(code)
    class(dataset_type), intent(in) :: self
    character(len=*), intent(in) :: name
    real(real32), target, intent(in) :: meta
    integer :: code
    code = add_scalar(self, name, c_loc(meta), SRMetadataTypeFloat)
  end function

  function add_meta_scalar_r64(self, name, meta) result(code)
    class(dataset_type), intent(in) :: self
    character(len=*), intent(in) :: name
    real(real64), target, intent(in) :: meta
    integer :: code
    code = add_scalar(self, name, c_loc(meta), SRMetadataTypeDouble)
  end function

  !> The field's values (owned by the dataset) when it holds scalars of `wanted` type; otherwise
  !> SRTypeError naming the stored type.
  function scalars_of(self, name, wanted, wanted_name, data, n) result(code)
    class(dataset_type), intent(in) :: self
    character(len=*), intent(in) :: name, wanted_name
    integer(c_int), intent(in) :: wanted
    type(c_ptr), intent(out) :: data
    integer(c_size_t), intent(out) :: n
    integer :: code
    integer(c_int) :: type
    character(len=8), parameter :: names(0:7) = [character(len=8) :: "invalid", "real64", &
      "real32", "int32", "int64", "uint32", "uint64", "string"]
    call clear_fortran_error()
    data = c_null_ptr
    n = 0
    type = 0
    code = c_get_meta_scalars(self%ptr, name, len_trim(name, kind=c_size_t), n, type, data)
    if (code /= SRNoError) return
    if (type /= wanted) then
      code = fortran_error("get_meta_scalars: field '" // name // "' holds " // &
        trim(names(max(0, min(7, int(type))))) // " values, not " // wanted_name, &
        "get_meta_scalars")
      code = SRTypeError
      n = 0
    end if
  end function

  function get_meta_scalars_i32(self, name, meta) result(code)
    class(dataset_type), intent(in) :: self
    character(len=*), intent(in) :: name
    integer(int32), dimension(:), allocatable, intent(out) :: meta
    integer :: code
    type(c_ptr) :: data
    integer(c_size_t) :: n
    integer(int32), pointer :: values(:)
    code = scalars_of(self, name, SRMetadataTypeInt32, "int32", data, n)
    if (code /= SRNoError) return
    call c_f_pointer(data, values, [n])
    meta = values
  end function

  function get_meta_scalars_i64(self, name, meta) result(code)
    class(dataset_type), intent(in) :: self
    character(len=*), intent(in) :: name
    integer(int64), dimension(:), allocatable, intent(out) :: meta
    integer :: code
    type(c_ptr) :: data
    integer(c_size_t) :: n
    integer(int64), pointer :: values(:)
    code = scalars_of(self, name, SRMetadataTypeInt64, "int64", data, n)
    if (code /= SRNoError) return
    call c_f_pointer(data, values, [n])
    meta = values
  end function

  function get_meta_scalars_r32(self, name, meta) result(code)
    class(dataset_type), intent(in) :: self
    character(len=*), intent(in) :: name
    real(real32), dimension(:), allocatable, intent(out) :: meta
    integer :: code
    type(c_ptr) :: data
    integer(c_size_t) :: n
    real(real32), pointer :: values(:)
    code = scalars_of(self, name, SRMetadataTypeFloat, "real32", data, n)
    if (code /= SRNoError) return
    call c_f_pointer(data, values, [n])
    meta = values
  end function

  function get_meta_scalars_r64(self, name, meta) result(code)
    class(dataset_type), intent(in) :: self
    character(len=*), intent(in) :: name
    real(real64), dimension(:), allocatable, intent(out) :: meta
    integer :: code
    type(c_ptr) :: data
    integer(c_size_t) :: n
    real(real64), pointer :: values(:)
    code = scalars_of(self, name, SRMetadataTypeDouble, "real64", data, n)
    if (code /= SRNoError) return
    call c_f_pointer(data, values, [n])
    meta = values
  end function

  ! ---- metadata strings, fields and tensor introspection ---------------------------------------

  !> Appends `meta` (trailing blanks kept) to the string field `name`.
  function add_meta_string(self, name, meta) result(code)
    class(dataset_type), intent(in) :: self
    character(len=*), intent(in) :: name, meta
    integer :: code
    call clear_fortran_error()
    code = c_add_meta_string(self%ptr, name, len_trim(name, kind=c_size_t), meta, &
      len_trim(meta, kind=c_size_t))
  end function

  !> The strings of field `name`, blank-padded to the longest; `lengths` gives each true length.
  function get_meta_strings(self, name, meta, lengths) result(code)
    class(dataset_type), intent(in) :: self
    character(len=*), intent(in) :: name
    character(len=:), dimension(:), allocatable, intent(out) :: meta
    integer, dimension(:), allocatable, optional, intent(out) :: lengths
    integer :: code
    type(c_ptr) :: data, c_lengths
    integer(c_size_t) :: n
    call clear_fortran_error()
    n = 0
    code = c_get_meta_strings(self%ptr, name, len_trim(name, kind=c_size_t), data, n, c_lengths)
    if (code == SRNoError) call from_c_strings(data, n, c_lengths, meta, lengths)
  end function

  function has_field(self, name, result) result(code)
    class(dataset_type), intent(in) :: self
    character(len=*), intent(in) :: name
    logical, intent(out) :: result
    integer :: code
    logical(c_bool) :: found
    call clear_fortran_error()
    found = .false.
    code = c_has_field(self%ptr, name, len_trim(name, kind=c_size_t), found)
    result = found
  end function

  function clear_field(self, name) result(code)
    class(dataset_type), intent(in) :: self
    character(len=*), intent(in) :: name
    integer :: code
    call clear_fortran_error()
    code = c_clear_field(self%ptr, name, len_trim(name, kind=c_size_t))
  end function

  function get_tensor_names(self, names) result(code)
    class(dataset_type), intent(in) :: self
    character(len=:), dimension(:), allocatable, intent(out) :: names
    integer :: code
    type(c_ptr) :: data, c_lengths
    integer(c_size_t) :: n
    call clear_fortran_error()
    n = 0
    code = c_get_tensor_names(self%ptr, data, n, c_lengths)
    if (code == SRNoError) call from_c_strings(data, n, c_lengths, names)
  end function

  function get_metadata_field_names(self, names) result(code)
    class(dataset_type), intent(in) :: self
    character(len=:), dimension(:), allocatable, intent(out) :: names
    integer :: code
    type(c_ptr) :: data, c_lengths
    integer(c_size_t) :: n
    call clear_fortran_error()
    n = 0
    code = c_get_metadata_field_names(self%ptr, data, n, c_lengths)
    if (code == SRNoError) call from_c_strings(data, n, c_lengths, names)
  end function

  !> The tensor's SRTensorType value (SRTensorTypeDouble, ...).
  function get_tensor_type(self, name, type) result(code)
    class(dataset_type), intent(in) :: self
    character(len=*), intent(in) :: name
    integer, intent(out) :: type
    integer :: code
    integer(c_int) :: t
    call clear_fortran_error()
    t = 0
    code = c_get_tensor_type(self%ptr, name, len_trim(name, kind=c_size_t), t)
    type = t
  end function

  !> The field's SRMetaDataType value (SRMetadataTypeDouble, ..., SRMetadataTypeString).
  function get_metadata_field_type(self, name, type) result(code)
    class(dataset_type), intent(in) :: self
    character(len=*), intent(in) :: name
    integer, intent(out) :: type
    integer :: code
    integer(c_int) :: t
    call clear_fortran_error()
    t = 0
    code = c_get_metadata_field_type(self%ptr, name, len_trim(name, kind=c_size_t), t)
    type = t
  end function

  !> The tensor's extents (those of the Fortran array that was added).
  function get_tensor_dims(self, name, dims) result(code)
    class(dataset_type), intent(in) :: self
    character(len=*), intent(in) :: name
    integer, dimension(:), allocatable, intent(out) :: dims
    integer :: code
    integer(c_size_t) :: buffer(16), n
    call clear_fortran_error()
    n = size(buffer, kind=c_size_t)
    code = c_get_tensor_dims(self%ptr, name, len_trim(name, kind=c_size_t), buffer, n)
    if (code == SRNoError) dims = int(buffer(1:n))
  end function
end module insitu_dataset

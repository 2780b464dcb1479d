! iso_c_binding interfaces to the dataset and aggregation-list part of the insitu C API
! (include/insitu/insitu.h): CDataSet handles, their fields, and the client's dataset and list
! calls. Strings are character arrays plus a length.
module insitu_c_datasets
  use iso_c_binding
  implicit none
  public

  ! SRMetaDataType
  integer(c_int), parameter :: SRMetadataTypeInvalid = 0, SRMetadataTypeDouble = 1, &
    SRMetadataTypeFloat = 2, SRMetadataTypeInt32 = 3, SRMetadataTypeInt64 = 4, &
    SRMetadataTypeUint32 = 5, SRMetadataTypeUint64 = 6, SRMetadataTypeString = 7

  interface
    ! ---- dataset handles
    function c_create_dataset(name, name_len, dataset) bind(c, name="CDataSet")
      import :: c_int, c_char, c_size_t, c_ptr
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      type(c_ptr) :: dataset
      integer(c_int) :: c_create_dataset
    end function
    function c_deallocate_dataset(dataset) bind(c, name="DeallocateDataSet")
      import :: c_int, c_ptr
      type(c_ptr) :: dataset
      integer(c_int) :: c_deallocate_dataset
    end function
    function c_add_tensor(dataset, name, name_len, data, dims, n_dims, type, layout) &
        bind(c, name="add_tensor")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: dataset, data
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len, n_dims
      integer(c_size_t), intent(in) :: dims(*)
      integer(c_int), value :: type, layout
      integer(c_int) :: c_add_tensor
    end function
    function c_unpack_dataset_tensor(dataset, name, name_len, data, dims, n_dims, type, layout) &
        bind(c, name="unpack_dataset_tensor")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: dataset, data
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len, n_dims
      integer(c_size_t), intent(in) :: dims(*)
      integer(c_int), value :: type, layout
      integer(c_int) :: c_unpack_dataset_tensor
    end function
    function c_add_meta_scalar(dataset, name, name_len, data, type) &
        bind(c, name="add_meta_scalar")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: dataset, data
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      integer(c_int), value :: type
      integer(c_int) :: c_add_meta_scalar
    end function
    function c_add_meta_string(dataset, name, name_len, data, data_len) &
        bind(c, name="add_meta_string")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: dataset
      character(kind=c_char), intent(in) :: name(*), data(*)
      integer(c_size_t), value :: name_len, data_len
      integer(c_int) :: c_add_meta_string
    end function
    function c_get_meta_scalars(dataset, name, name_len, length, type, data) &
        bind(c, name="get_meta_scalars")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: dataset
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      integer(c_size_t) :: length
      integer(c_int) :: type
      type(c_ptr) :: data
      integer(c_int) :: c_get_meta_scalars
    end function
    function c_get_meta_strings(dataset, name, name_len, data, n_strings, lengths) &
        bind(c, name="get_meta_strings")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: dataset
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      type(c_ptr) :: data, lengths
      integer(c_size_t) :: n_strings
      integer(c_int) :: c_get_meta_strings
    end function
    function c_get_tensor_names(dataset, data, n_strings, lengths) bind(c, name="get_tensor_names")
      import :: c_int, c_size_t, c_ptr
      type(c_ptr), value :: dataset
      type(c_ptr) :: data, lengths
      integer(c_size_t) :: n_strings
      integer(c_int) :: c_get_tensor_names
    end function
    function c_get_metadata_field_names(dataset, data, n_strings, lengths) &
        bind(c, name="get_metadata_field_names")
      import :: c_int, c_size_t, c_ptr
      type(c_ptr), value :: dataset
      type(c_ptr) :: data, lengths
      integer(c_size_t) :: n_strings
      integer(c_int) :: c_get_metadata_field_names
    end function
    function c_get_tensor_type(dataset, name, name_len, type) bind(c, name="get_tensor_type")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: dataset
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      integer(c_int) :: type
      integer(c_int) :: c_get_tensor_type
    end function
    function c_get_metadata_field_type(dataset, name, name_len, type) &
        bind(c, name="get_metadata_field_type")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: dataset
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      integer(c_int) :: type
      integer(c_int) :: c_get_metadata_field_type
    end function
    function c_get_tensor_dims(dataset, name, name_len, dims, n_dims) &
        bind(c, name="get_tensor_dims")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: dataset
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      integer(c_size_t) :: dims(*)
      integer(c_size_t) :: n_dims
      integer(c_int) :: c_get_tensor_dims
    end function
    function c_has_field(dataset, name, name_len, result) bind(c, name="has_field")
      import :: c_int, c_char, c_size_t, c_ptr, c_bool
      type(c_ptr), value :: dataset
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      logical(c_bool) :: result
      integer(c_int) :: c_has_field
    end function
    function c_clear_field(dataset, name, name_len) bind(c, name="clear_field")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: dataset
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      integer(c_int) :: c_clear_field
    end function

    ! ---- client dataset calls
    function c_put_dataset(client, dataset) bind(c, name="put_dataset")
      import :: c_int, c_ptr
      type(c_ptr), value :: client, dataset
      integer(c_int) :: c_put_dataset
    end function
    function c_get_dataset(client, name, name_len, dataset) bind(c, name="get_dataset")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      type(c_ptr) :: dataset
      integer(c_int) :: c_get_dataset
    end function
    function c_rename_dataset(client, src, src_len, dst, dst_len) bind(c, name="rename_dataset")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: src(*), dst(*)
      integer(c_size_t), value :: src_len, dst_len
      integer(c_int) :: c_rename_dataset
    end function
    function c_copy_dataset(client, src, src_len, dst, dst_len) bind(c, name="copy_dataset")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: src(*), dst(*)
      integer(c_size_t), value :: src_len, dst_len
      integer(c_int) :: c_copy_dataset
    end function
    function c_delete_dataset(client, name, name_len) bind(c, name="delete_dataset")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      integer(c_int) :: c_delete_dataset
    end function
    function c_dataset_exists(client, name, name_len, exists) bind(c, name="dataset_exists")
      import :: c_int, c_char, c_size_t, c_ptr, c_bool
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      logical(c_bool) :: exists
      integer(c_int) :: c_dataset_exists
    end function
    function c_poll_dataset(client, name, name_len, freq_ms, tries, exists) &
        bind(c, name="poll_dataset")
      import :: c_int, c_char, c_size_t, c_ptr, c_bool
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      integer(c_int), value :: freq_ms, tries
      logical(c_bool) :: exists
      integer(c_int) :: c_poll_dataset
    end function

    ! ---- aggregation lists
    function c_append_to_list(client, name, name_len, dataset) bind(c, name="append_to_list")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client, dataset
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      integer(c_int) :: c_append_to_list
    end function
    function c_delete_list(client, name, name_len) bind(c, name="delete_list")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      integer(c_int) :: c_delete_list
    end function
    function c_copy_list(client, src, src_len, dst, dst_len) bind(c, name="copy_list")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: src(*), dst(*)
      integer(c_size_t), value :: src_len, dst_len
      integer(c_int) :: c_copy_list
    end function
    function c_rename_list(client, src, src_len, dst, dst_len) bind(c, name="rename_list")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: src(*), dst(*)
      integer(c_size_t), value :: src_len, dst_len
      integer(c_int) :: c_rename_list
    end function
    function c_get_list_length(client, name, name_len, length) bind(c, name="get_list_length")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      integer(c_int) :: length
      integer(c_int) :: c_get_list_length
    end function
    function c_poll_list_length(client, name, name_len, length, freq_ms, tries, result) &
        bind(c, name="poll_list_length")
      import :: c_int, c_char, c_size_t, c_ptr, c_bool
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      integer(c_int), value :: length, freq_ms, tries
      logical(c_bool) :: result
      integer(c_int) :: c_poll_list_length
    end function
    function c_poll_list_length_gte(client, name, name_len, length, freq_ms, tries, result) &
        bind(c, name="poll_list_length_gte")
      import :: c_int, c_char, c_size_t, c_ptr, c_bool
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      integer(c_int), value :: length, freq_ms, tries
      logical(c_bool) :: result
      integer(c_int) :: c_poll_list_length_gte
    end function
    function c_poll_list_length_lte(client, name, name_len, length, freq_ms, tries, result) &
        bind(c, name="poll_list_length_lte")
      import :: c_int, c_char, c_size_t, c_ptr, c_bool
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      integer(c_int), value :: length, freq_ms, tries
      logical(c_bool) :: result
      integer(c_int) :: c_poll_list_length_lte
    end function
    function c_get_datasets_from_list(client, name, name_len, datasets, n) &
        bind(c, name="get_datasets_from_list")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      type(c_ptr) :: datasets
      integer(c_size_t) :: n
      integer(c_int) :: c_get_datasets_from_list
    end function
    function c_get_dataset_list_range(client, name, name_len, first, last, datasets, n) &
        bind(c, name="get_dataset_list_range")
      import :: c_int, c_char, c_size_t, c_ptr
      type(c_ptr), value :: client
      character(kind=c_char), intent(in) :: name(*)
      integer(c_size_t), value :: name_len
      integer(c_int), value :: first, last
      type(c_ptr) :: datasets
      integer(c_size_t) :: n
      integer(c_int) :: c_get_dataset_list_range
    end function
  end interface
end module insitu_c_datasets

! Datasets and aggregation lists from Fortran: tensors of several kinds and ranks, appended
! metadata scalars and strings, field introspection, put/get/rename/copy/delete/exists/poll, list
! calls with order and ranges, prefixed datasets and lists, and the error codes of bad calls.
program test_fortran_datasets
  use iso_fortran_env, only: int8, int16, int32, int64, real32, real64
  use insitu
  use test_support
  implicit none
  type(client_type) :: client, member
  type(dataset_type) :: ds, got, never
  type(dataset_type), allocatable :: list(:)
  type(configoptions_type) :: cfg
  real(real64) :: u(3, 4), u2(3, 4)
  integer(int16) :: w(2, 3, 2), w2(2, 3, 2)
  integer(int8) :: b(5), b2(5)
  real(real32) :: r(2, 2, 2, 2), r2(2, 2, 2, 2)
  real(real64) :: wrong_shape(4, 4)
  integer(int32), allocatable :: i32s(:)
  integer(int64), allocatable :: i64s(:)
  real(real32), allocatable :: r32s(:)
  real(real64), allocatable :: r64s(:)
  character(len=:), allocatable :: strings(:), names(:)
  integer, allocatable :: lengths(:), dims(:)
  integer :: i, n, type
  logical :: exists, ok
  character(len=16) :: dname

  call expect_code(client%initialize("fortran_datasets"), SRNoError, "initialize")
  u = reshape([(real(i, real64) / 4, i = 1, 12)], [3, 4])
  w = reshape([(int(i - 6, int16), i = 1, 12)], [2, 3, 2])
  b = int([-128, -1, 0, 1, 127], int8)
  r = reshape([(real(i, real32), i = 1, 16)], [2, 2, 2, 2])

  ! ---- building a dataset
  call expect(.not. ds%isinitialized(), "not initialized yet")
  call expect_code(ds%initialize("fds"), SRNoError, "dataset initialize")
  call expect(ds%isinitialized(), "initialized")
  call expect_code(ds%add_tensor("u", u), SRNoError, "add real64 rank 2")
  call expect_code(ds%add_tensor("w", w), SRNoError, "add int16 rank 3")
  call expect_code(ds%add_tensor("b", b, shape(b)), SRNoError, "add int8 rank 1 with dims")
  call expect_code(ds%add_tensor("r", r), SRNoError, "add real32 rank 4")
  call expect_code(ds%add_tensor("bad", b, [4]), SRParameterError, "add with wrong dims")
  call expect_code(ds%add_meta_scalar("i32", 7_int32), SRNoError, "meta int32")
  call expect_code(ds%add_meta_scalar("i32", -3_int32), SRNoError, "meta int32 appended")
  call expect_code(ds%add_meta_scalar("i64", 2_int64**40), SRNoError, "meta int64")
  call expect_code(ds%add_meta_scalar("r32", 1.5_real32), SRNoError, "meta real32")
  call expect_code(ds%add_meta_scalar("r64", 0.1_real64), SRNoError, "meta real64")
  call expect_code(ds%add_meta_scalar("r64", -2.5_real64), SRNoError, "meta real64 appended")
  call expect_code(ds%add_meta_string("units", "m/s"), SRNoError, "meta string")
  call expect_code(ds%add_meta_string("units", "kilograms"), SRNoError, "meta string appended")
  call expect_code(ds%add_meta_string("units", ""), SRNoError, "empty meta string")
  call expect_code(ds%add_meta_scalar("units", 1_int32), SRParameterError, "scalar into string field")

  ! ---- reading the local dataset
  call expect_code(ds%get_meta_scalars("i32", i32s), SRNoError, "get int32")
  call expect(size(i32s) == 2, "two int32 values")
  if (size(i32s) == 2) call expect(all(i32s == [7, -3]), "int32 values")
  call expect_code(ds%get_meta_scalars("i32", r64s), SRTypeError, "int32 field read as real64")
  call expect(index(get_last_error(), "int32") > 0, "type error names the stored type")
  call expect_code(ds%get_meta_scalars("nofield", i32s), SRKeyError, "missing field")
  call expect_code(ds%has_field("units", exists), SRNoError, "has_field")
  call expect(exists, "units present")
  call expect_code(ds%get_tensor_type("w", type), SRNoError, "tensor type")
  call expect(type == SRTensorTypeInt16, "int16 type")
  call expect_code(ds%get_tensor_dims("w", dims), SRNoError, "tensor dims")
  call expect(size(dims) == 3, "rank 3")
  if (size(dims) == 3) call expect(all(dims == [2, 3, 2]), "dims are the array's extents")
  call expect_code(ds%get_metadata_field_type("units", type), SRNoError, "field type")
  call expect(type == SRMetadataTypeString, "string field")
  call expect_code(ds%add_meta_string("scratch", "x"), SRNoError, "scratch field")
  call expect_code(ds%clear_field("scratch"), SRNoError, "clear_field")
  call expect_code(ds%has_field("scratch", exists), SRNoError, "has_field after clear")
  call expect(.not. exists, "scratch cleared")

  ! ---- put / get round trip
  call expect_code(client%put_dataset(ds), SRNoError, "put_dataset")
  call expect_code(client%dataset_exists("fds", exists), SRNoError, "dataset_exists")
  call expect(exists, "fds exists")
  call expect_code(client%poll_dataset("fds", 10, 3, exists), SRNoError, "poll_dataset")
  call expect(exists, "poll finds fds")
  call expect_code(client%get_dataset("fds", got), SRNoError, "get_dataset")
  call check_full(got, "get_dataset")
  ! getting into a dataset that holds one releases the old (valgrind run)
  call expect_code(client%get_dataset("fds", got), SRNoError, "get_dataset again")
  call expect_code(got%get_tensor_names(names), SRNoError, "tensor names")
  call expect(size(names) == 4, "four tensors")
  if (size(names) == 4) call expect(names(1) == "u" .and. names(2) == "w" .and. names(3) == "b" &
    .and. names(4) == "r", "tensor names in order")
  call expect_code(got%get_metadata_field_names(names), SRNoError, "field names")
  call expect(size(names) == 5, "five metadata fields")
  call expect(any(names == "units") .and. any(names == "r64"), "field names listed")
  call expect_code(got%unpack_dataset_tensor("u", wrong_shape), SRParameterError, "wrong shape")
  call expect_code(got%unpack_dataset_tensor("u", r2), SRTypeError, "wrong kind")
  call expect_code(got%unpack_dataset_tensor("nope", u2), SRKeyError, "missing tensor")
  call expect_code(got%unpack_dataset_tensor("u", u2, [4, 3]), SRParameterError, "wrong dims arg")

  ! ---- rename / copy / delete
  call expect_code(client%copy_dataset("fds", "fds_copy"), SRNoError, "copy_dataset")
  call expect_code(client%rename_dataset("fds_copy", "fds_moved"), SRNoError, "rename_dataset")
  call expect_code(client%dataset_exists("fds_copy", exists), SRNoError, "exists after rename")
  call expect(.not. exists, "renamed away")
  call expect_code(client%get_dataset("fds_moved", got), SRNoError, "get renamed")
  call check_full(got, "renamed copy")
  call expect_code(client%delete_dataset("fds_moved"), SRNoError, "delete_dataset")
  call expect_code(client%poll_dataset("fds_moved", 5, 2, exists), SRNoError, "poll deleted")
  call expect(.not. exists, "deleted")

  ! ---- aggregation lists: 6 datasets (spread over the shards of a cluster), read in order
  call expect_code(client%delete_list("flist"), SRNoError, "delete_list (absent)")
  do i = 1, 6
    write(dname, '(a,i0)') 'fitem_', i
    call expect_code(got%initialize(trim(dname)), SRNoError, "item")
    u2 = u * i
    call expect_code(got%add_tensor("u", u2), SRNoError, "item tensor")
    call expect_code(got%add_meta_scalar("index", int(i, int64)), SRNoError, "item meta")
    call expect_code(client%put_dataset(got), SRNoError, "put item")
    call expect_code(client%append_to_list("flist", got), SRNoError, "append_to_list")
  end do
  call expect_code(client%get_list_length("flist", n), SRNoError, "get_list_length")
  call expect(n == 6, "list length 6")
  call expect_code(client%poll_list_length("flist", 6, 10, 3, ok), SRNoError, "poll ==")
  call expect(ok, "length == 6")
  call expect_code(client%poll_list_length_gte("flist", 7, 5, 2, ok), SRNoError, "poll >=")
  call expect(.not. ok, "length not >= 7")
  call expect_code(client%poll_list_length_lte("flist", 6, 5, 2, ok), SRNoError, "poll <=")
  call expect(ok, "length <= 6")
  call expect_code(client%poll_list_length("flist", -1, 5, 2, ok), SRParameterError, &
    "negative length")
  call expect_code(client%get_datasets_from_list("flist", list, n), SRNoError, &
    "get_datasets_from_list")
  call expect(n == 6 .and. size(list) == 6, "six datasets")
  if (size(list) == 6) call check_items(list, [1, 2, 3, 4, 5, 6], "whole list")
  call expect_code(client%get_dataset_list_range("flist", 1, -2, list, n), SRNoError, "range")
  call expect(n == 4, "range 1..-2 has four")
  if (size(list) == 4) call check_items(list, [2, 3, 4, 5], "range")
  call expect_code(client%copy_list("flist", "flist2"), SRNoError, "copy_list")
  call expect_code(client%rename_list("flist2", "flist3"), SRNoError, "rename_list")
  call expect_code(client%get_list_length("flist2", n), SRNoError, "length of renamed")
  call expect(n == 0, "renamed list gone")
  call expect_code(client%get_dataset_list_range("flist3", -1, -1, list), SRNoError, "last")
  if (size(list) == 1) call check_items(list, [6], "copied list")
  call expect_code(client%delete_list("flist3"), SRNoError, "delete_list")
  call expect_code(client%get_datasets_from_list("flist3", list, n), SRNoError, "empty list")
  call expect(n == 0 .and. size(list) == 0, "deleted list reads empty")
  call expect_code(client%copy_list("flist3", "x"), SRKeyError, "copy of a missing list")
  ! a list entry whose dataset was deleted
  call expect_code(client%delete_dataset("fitem_3"), SRNoError, "delete an item")
  call expect_code(client%get_datasets_from_list("flist", list), SRKeyError, "dangling entry")
  call expect(index(get_last_error(), "fitem_3") > 0, "message names the dataset")
  call expect_code(client%delete_list("flist"), SRNoError, "delete flist")

  ! ---- prefixing of datasets and lists
  call expect_code(cfg%create_configoptions_from_environment(""), SRNoError, "cfg")
  call expect_code(cfg%override_string_option("SSKEYOUT", "fm1"), SRNoError, "SSKEYOUT")
  call expect_code(cfg%override_string_option("SSKEYIN", "fm1"), SRNoError, "SSKEYIN")
  call expect_code(member%initialize(cfg, "member"), SRNoError, "member")
  call expect_code(cfg%destructor(), SRNoError, "cfg destructor")
  call expect_code(member%put_dataset(ds), SRNoError, "member put_dataset")
  call expect_code(client%key_exists("fm1.{fds}.meta", exists), SRNoError, "prefixed meta key")
  call expect(exists, "dataset written under the prefix")
  call expect_code(member%append_to_list("fml", ds), SRNoError, "member append")
  call expect_code(client%key_exists("fm1.fml", exists), SRNoError, "prefixed list key")
  call expect(exists, "list written under the prefix")
  call expect_code(member%get_datasets_from_list("fml", list, n), SRNoError, "member list read")
  call expect(n == 1, "one prefixed entry")
  call expect_code(member%use_dataset_ensemble_prefix(.false.), SRNoError, "dataset prefix off")
  call expect_code(member%use_list_ensemble_prefix(.false.), SRNoError, "list prefix off")
  call expect_code(member%dataset_exists("fds", exists), SRNoError, "unprefixed exists")
  call expect(exists, "sees the unprefixed fds")
  call expect_code(member%get_list_length("fml", n), SRNoError, "unprefixed list length")
  call expect(n == 0, "no unprefixed list")
  call expect_code(member%delete_list("fm1.fml"), SRNoError, "delete prefixed list")
  call expect_code(member%use_dataset_ensemble_prefix(.true.), SRNoError, "dataset prefix on")
  call expect_code(member%delete_dataset("fds"), SRNoError, "delete prefixed dataset")
  call expect_code(client%key_exists("fm1.{fds}.meta", exists), SRNoError, "meta key deleted")
  call expect(.not. exists, "prefixed dataset deleted")
  call expect_code(member%destructor(), SRNoError, "member destructor")

  ! ---- errors
  call expect_code(client%get_dataset("fmissing", got), SRKeyError, "get missing dataset")
  call expect(index(get_last_error(), "fmissing") > 0, "message names the dataset")
  call expect(got%isinitialized(), "a failed get keeps the old dataset")
  call expect_code(client%rename_dataset("fmissing", "y"), SRKeyError, "rename missing")
  call expect_code(client%copy_dataset("fmissing", "y"), SRKeyError, "copy missing")
  call expect_code(client%put_dataset(never), SRParameterError, "put uninitialized dataset")
  call expect_code(never%add_meta_string("x", "y"), SRParameterError, "uninitialized dataset")
  call expect_code(never%destructor(), SRNoError, "destructor of a never-initialized dataset")
  call expect_code(client%append_to_list("", ds), SRParameterError, "empty list name")
  call expect_code(got%initialize("fempty"), SRNoError, "empty dataset")
  call expect_code(client%put_dataset(got), SRParameterError, "put an empty dataset")

  do i = 1, size(list)
    call expect_code(list(i)%destructor(), SRNoError, "list element destructor")
  end do
  deallocate(list)
  call expect_code(got%destructor(), SRNoError, "got destructor")
  call expect_code(ds%destructor(), SRNoError, "ds destructor")
  call expect_code(ds%destructor(), SRNoError, "destructor twice is a no-op")
  call expect(.not. ds%isinitialized(), "released")
  call expect_code(client%destructor(), SRNoError, "client destructor")
  deallocate(i32s, dims, names)
  if (allocated(strings)) deallocate(strings)
  if (allocated(lengths)) deallocate(lengths)
  if (allocated(i64s)) deallocate(i64s)
  if (allocated(r32s)) deallocate(r32s)
  if (allocated(r64s)) deallocate(r64s)
  call report("test_fortran_datasets")

contains

  !> Everything ds holds, read back from `d`.
  subroutine check_full(d, what)
    type(dataset_type), intent(in) :: d
    character(len=*), intent(in) :: what
    u2 = 0; w2 = 0; b2 = 0; r2 = 0
    call expect_code(d%unpack_dataset_tensor("u", u2), SRNoError, what // " u")
    call expect(all(u2 == u), what // " u values")
    call expect_code(d%unpack_dataset_tensor("w", w2), SRNoError, what // " w")
    call expect(all(w2 == w), what // " w values")
    call expect_code(d%unpack_dataset_tensor("b", b2), SRNoError, what // " b")
    call expect(all(b2 == b), what // " b values")
    call expect_code(d%unpack_dataset_tensor("r", r2), SRNoError, what // " r")
    call expect(all(r2 == r), what // " r values")
    call expect_code(d%get_meta_scalars("i32", i32s), SRNoError, what // " i32")
    call expect(size(i32s) == 2, what // " i32 count")
    if (size(i32s) == 2) call expect(all(i32s == [7, -3]), what // " i32 values")
    call expect_code(d%get_meta_scalars("i64", i64s), SRNoError, what // " i64")
    call expect(size(i64s) == 1, what // " i64 count")
    if (size(i64s) == 1) call expect(i64s(1) == 2_int64**40, what // " i64 value")
    call expect_code(d%get_meta_scalars("r32", r32s), SRNoError, what // " r32")
    call expect(size(r32s) == 1, what // " r32 count")
    if (size(r32s) == 1) call expect(r32s(1) == 1.5_real32, what // " r32 value")
    call expect_code(d%get_meta_scalars("r64", r64s), SRNoError, what // " r64")
    call expect(size(r64s) == 2, what // " r64 count")
    if (size(r64s) == 2) call expect(all(r64s == [0.1_real64, -2.5_real64]), what // " r64 values")
    call expect_code(d%get_meta_strings("units", strings, lengths), SRNoError, what // " strings")
    call expect(size(strings) == 3, what // " three strings")
    if (size(strings) == 3) then
      call expect(strings(1) == "m/s" .and. strings(2) == "kilograms" .and. strings(3) == "", &
        what // " string values")
      call expect(all(lengths == [3, 9, 0]), what // " string lengths")
      call expect(len(strings) == 9, what // " padded to the longest")
    end if
  end subroutine

  !> list(k) is item expected(k): tensor u*i and metadata index = i.
  subroutine check_items(items, expected, what)
    type(dataset_type), intent(in) :: items(:)
    integer, intent(in) :: expected(:)
    character(len=*), intent(in) :: what
    integer :: k
    do k = 1, size(expected)
      call expect_code(items(k)%get_meta_scalars("index", i64s), SRNoError, what // " index")
      ok = size(i64s) == 1
      if (ok) ok = i64s(1) == expected(k)
      call expect(ok, what // " in list order")
      call expect_code(items(k)%unpack_dataset_tensor("u", u2), SRNoError, what // " tensor")
      call expect(all(u2 == u * expected(k)), what // " tensor values")
    end do
  end subroutine
end program

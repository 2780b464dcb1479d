! Helpers shared by the Fortran binding's modules: Fortran string arrays handed to C as pointer +
! length arrays, C string arrays copied back, and the optional `dims` argument check.
module insitu_util
  use iso_c_binding
  implicit none
  private
  public :: c_string_list, to_c_strings, from_c_strings, c_chars_to_string, dims_match

  !> Fortran strings (trailing blanks trimmed) laid out for the C API's `const char**` + lengths.
  !> The pointers point into `chars`, so the object must not be copied once built.
  type :: c_string_list
    character(kind=c_char), allocatable :: chars(:)
    type(c_ptr), allocatable :: ptrs(:)
    integer(c_size_t), allocatable :: lengths(:)
    integer(c_size_t) :: n = 0
  end type

contains

  subroutine to_c_strings(strings, list)
    character(len=*), dimension(:), intent(in) :: strings
    type(c_string_list), target, intent(inout) :: list
    integer :: i, j, at, total
    total = 0
    do i = 1, size(strings)
      total = total + len_trim(strings(i))
    end do
    if (allocated(list%chars)) deallocate(list%chars)
    if (allocated(list%ptrs)) deallocate(list%ptrs)
    if (allocated(list%lengths)) deallocate(list%lengths)
    allocate(list%chars(max(total, 1)), list%ptrs(max(size(strings), 1)), &
      list%lengths(max(size(strings), 1)))
    list%n = size(strings)
    list%ptrs = c_null_ptr
    list%lengths = 0
    at = 1
    do i = 1, size(strings)
      list%lengths(i) = len_trim(strings(i))
      if (list%lengths(i) > 0) list%ptrs(i) = c_loc(list%chars(at))
      do j = 1, len_trim(strings(i))
        list%chars(at) = strings(i)(j:j)
        at = at + 1
      end do
    end do
  end subroutine

  !> A copy of `n` bytes at `p` ("" for n = 0).
  function c_chars_to_string(p, n) result(s)
    type(c_ptr), intent(in) :: p
    integer(c_size_t), intent(in) :: n
    character(len=:), allocatable :: s
    character(kind=c_char), pointer :: chars(:)
    integer :: i
    allocate(character(len=n) :: s)
    if (n == 0 .or. .not. c_associated(p)) return
    call c_f_pointer(p, chars, [n])
    do i = 1, int(n)
      s(i:i) = chars(i)
    end do
  end function

  !> Copies a C array of `n` strings (pointers + lengths) into `strings`, each padded with blanks
  !> to the longest; `lengths` (optional) receives each string's length.
  subroutine from_c_strings(data, n, c_lengths, strings, lengths)
    type(c_ptr), intent(in) :: data, c_lengths
    integer(c_size_t), intent(in) :: n
    character(len=:), allocatable, dimension(:), intent(out) :: strings
    integer, allocatable, dimension(:), optional, intent(out) :: lengths
    type(c_ptr), pointer :: ptrs(:)
    integer(c_size_t), pointer :: lens(:)
    integer :: i, longest
    longest = 0
    if (n > 0) then
      call c_f_pointer(data, ptrs, [n])
      call c_f_pointer(c_lengths, lens, [n])
      longest = int(maxval(lens))
    end if
    allocate(character(len=longest) :: strings(n))
    if (present(lengths)) allocate(lengths(n))
    do i = 1, int(n)
      strings(i) = c_chars_to_string(ptrs(i), lens(i))
      if (present(lengths)) lengths(i) = int(lens(i))
    end do
  end subroutine

  !> True when `dims` is absent or equals `array_shape`.
  logical function dims_match(array_shape, dims)
    integer, dimension(:), intent(in) :: array_shape
    integer, dimension(:), optional, intent(in) :: dims
    dims_match = .true.
    if (present(dims)) then
      dims_match = size(dims) == size(array_shape)
      if (dims_match) dims_match = all(dims == array_shape)
    end if
  end function
end module insitu_util

! Cross-language helper for the Python tests:
!   fortran_cross write <name>         stores real32 a(3,4) with a(i,j) = 10*i + j
!   fortran_cross check <name>         unpacks an int64 2x3 tensor and checks t(i,j) = 10*i + j
!   fortran_cross write-list <list> <n>  puts datasets <list>_0 .. <list>_<n-1> (pattern below)
!                                        and appends them to <list> in that order
!   fortran_cross check-list <list> <n>  reads <list> and checks it holds exactly that pattern
! Dataset k of the pattern: tensor "a" real64 a(i,j) = 10*i + j + 100*k (3x4), tensor "n" int32
! [k, -k]; metadata "step" int64 [k, k+1], "dt" real64 [0.25*k], "units" strings ["m/s", "kelvin"].
program fortran_cross
  use iso_fortran_env, only: int32, int64, real32, real64
  use insitu
  implicit none
  type(client_type) :: client
  character(len=16) :: mode
  character(len=256) :: name, count_text
  real(real32) :: a(3, 4)
  integer(int64) :: t(2, 3)
  integer :: i, j, code, n

  call get_command_argument(1, mode)
  call get_command_argument(2, name)
  call get_command_argument(3, count_text)
  n = 0
  if (len_trim(count_text) > 0) read(count_text, *) n
  if (client%initialize("fortran_cross") /= SRNoError) error stop 2
  select case (trim(mode))
  case ("write")
    do j = 1, 4
      do i = 1, 3
        a(i, j) = real(10 * i + j, real32)
      end do
    end do
    code = client%put_tensor(trim(name), a)
  case ("check")
    code = client%unpack_tensor(trim(name), t)
    if (code == SRNoError) then
      do j = 1, 3
        do i = 1, 2
          if (t(i, j) /= 10 * i + j) code = -1
        end do
      end do
    end if
  case ("write-list")
    code = write_list(trim(name), n)
  case ("check-list")
    code = check_list(trim(name), n)
  case default
    code = -2
  end select
  if (code /= SRNoError) then
    write(*, '(a,i0,a,a)') 'fortran_cross: code ', code, ': ', get_last_error()
    error stop 1
  end if
  if (client%destructor() /= SRNoError) error stop 3

contains

  function pattern_a(k) result(p)
    integer, intent(in) :: k
    real(real64) :: p(3, 4)
    integer :: i, j
    do j = 1, 4
      do i = 1, 3
        p(i, j) = real(10 * i + j + 100 * k, real64)
      end do
    end do
  end function

  integer function write_list(list, n) result(code)
    character(len=*), intent(in) :: list
    integer, intent(in) :: n
    type(dataset_type) :: ds
    character(len=300) :: dname
    integer :: k
    code = client%delete_list(list)
    do k = 0, n - 1
      if (code /= SRNoError) exit
      write(dname, '(a,a,i0)') list, '_', k
      code = ds%initialize(trim(dname))
      if (code == SRNoError) code = ds%add_tensor("a", pattern_a(k))
      if (code == SRNoError) code = ds%add_tensor("n", int([k, -k], int32))
      if (code == SRNoError) code = ds%add_meta_scalar("step", int(k, int64))
      if (code == SRNoError) code = ds%add_meta_scalar("step", int(k + 1, int64))
      if (code == SRNoError) code = ds%add_meta_scalar("dt", 0.25_real64 * k)
      if (code == SRNoError) code = ds%add_meta_string("units", "m/s")
      if (code == SRNoError) code = ds%add_meta_string("units", "kelvin")
      if (code == SRNoError) code = client%put_dataset(ds)
      if (code == SRNoError) code = client%append_to_list(list, ds)
    end do
    if (ds%destructor() /= SRNoError .and. code == SRNoError) code = -3
  end function

  integer function check_list(list, n) result(code)
    character(len=*), intent(in) :: list
    integer, intent(in) :: n
    type(dataset_type), allocatable :: got(:)
    real(real64) :: a(3, 4)
    integer(int32) :: m(2)
    integer(int64), allocatable :: step(:)
    real(real64), allocatable :: dt(:)
    character(len=:), allocatable :: units(:)
    integer :: k, count
    code = client%get_datasets_from_list(list, got, count)
    if (code /= SRNoError) return
    if (count /= n) then
      write(*, '(a,i0,a,i0)') 'fortran_cross: list length ', count, ', expected ', n
      code = -4
    end if
    do k = 0, count - 1
      if (code /= SRNoError) exit
      code = got(k + 1)%unpack_dataset_tensor("a", a)
      if (code == SRNoError) code = got(k + 1)%unpack_dataset_tensor("n", m)
      if (code == SRNoError) code = got(k + 1)%get_meta_scalars("step", step)
      if (code == SRNoError) code = got(k + 1)%get_meta_scalars("dt", dt)
      if (code == SRNoError) code = got(k + 1)%get_meta_strings("units", units)
      if (code /= SRNoError) exit
      if (any(a /= pattern_a(k)) .or. any(m /= [k, -k]) .or. size(step) /= 2 .or. &
          size(dt) /= 1 .or. size(units) /= 2) then
        code = -5
      else if (any(step /= [k, k + 1]) .or. dt(1) /= 0.25_real64 * k .or. &
          units(1) /= "m/s" .or. units(2) /= "kelvin") then
        code = -5
      end if
      if (code /= SRNoError) write(*, '(a,i0,a)') 'fortran_cross: dataset ', k, ' differs'
    end do
    do k = 1, size(got)
      if (got(k)%destructor() /= SRNoError .and. code == SRNoError) code = -3
    end do
  end function
end program
